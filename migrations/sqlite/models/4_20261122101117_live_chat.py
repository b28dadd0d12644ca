from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "conversation" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "status" VARCHAR(16) NOT NULL /* WAITING: WAITING\nACTIVE: ACTIVE\nENDED: ENDED */,
    "channel" VARCHAR(16) NOT NULL /* WIDGET: widget\nEMAIL: email */,
    "assigned_at" TIMESTAMP,
    "opening_client_id" VARCHAR(64) NOT NULL,
    "pre_chat" JSON NOT NULL,
    "waiting_since" TIMESTAMP,
    "awaiting_reply_since" TIMESTAMP,
    "first_response_at" TIMESTAMP,
    "ended_at" TIMESTAMP,
    "last_message_at" TIMESTAMP,
    "contact_last_read_id" INT,
    "agent_last_read_id" INT,
    "contact_unread" INT NOT NULL,
    "agent_unread" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "assignee_id" INT REFERENCES "agent" ("id") ON DELETE SET NULL,
    "contact_id" INT NOT NULL REFERENCES "contact" ("id") ON DELETE CASCADE,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE,
    "ticket_id" INT REFERENCES "ticket" ("id") ON DELETE SET NULL,
    CONSTRAINT "uid_conversatio_contact_8e5b0c" UNIQUE ("contact_id", "opening_client_id")
);
CREATE INDEX IF NOT EXISTS "idx_conversatio_organiz_7af8ca" ON "conversation" ("organization_id", "status", "waiting_since");
CREATE INDEX IF NOT EXISTS "idx_conversatio_organiz_dc9084" ON "conversation" ("organization_id", "assignee_id", "status");
CREATE INDEX IF NOT EXISTS "idx_conversatio_organiz_82d601" ON "conversation" ("organization_id", "contact_id", "created_at");
CREATE INDEX IF NOT EXISTS "idx_conversatio_organiz_06df5b" ON "conversation" ("organization_id", "updated_at");
        CREATE TABLE IF NOT EXISTS "chat_message" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "author_type" VARCHAR(16) NOT NULL /* CONTACT: CONTACT\nAGENT: AGENT\nSYSTEM: SYSTEM */,
    "author_name" VARCHAR(200) NOT NULL,
    "body" TEXT NOT NULL,
    "is_internal" INT NOT NULL,
    "client_message_id" VARCHAR(64),
    "created_at" TIMESTAMP NOT NULL,
    "author_agent_id" INT REFERENCES "agent" ("id") ON DELETE SET NULL,
    "author_contact_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    "conversation_id" INT NOT NULL REFERENCES "conversation" ("id") ON DELETE CASCADE,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_chat_messag_convers_0c3678" UNIQUE ("conversation_id", "client_message_id")
);
CREATE INDEX IF NOT EXISTS "idx_chat_messag_convers_0de3ca" ON "chat_message" ("conversation_id", "id");
        ALTER TABLE "agent" ADD "last_chat_routed_at" TIMESTAMP;
        ALTER TABLE "agent" ADD "chat_capacity" INT NOT NULL DEFAULT 3;
        ALTER TABLE "ticket" ADD "origin_chat_id" INT;
        CREATE INDEX IF NOT EXISTS "idx_ticket_organiz_7c7ac4" ON "ticket" ("organization_id", "origin_chat_id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_ticket_organiz_7c7ac4";
        ALTER TABLE "agent" DROP COLUMN "last_chat_routed_at";
        ALTER TABLE "agent" DROP COLUMN "chat_capacity";
        ALTER TABLE "ticket" DROP COLUMN "origin_chat_id";
        DROP TABLE IF EXISTS "conversation";
        DROP TABLE IF EXISTS "chat_message";"""


MODELS_STATE = (
    "eJztXWtzozgW/Ssqf9nZqmxX4jw6693aKpIwiXdiO2WT7nl4ilJsxWYbCw/gPHa2//tK4g"
    "0Cgw02JvqSYKErwbniSrr3SPqztTCmSLc+SZMJsizF+IZwqwP+bGG4QOSCd/sItOByGdyk"
    "CTZ80ll+yDKqtp/zybJNOLHJvWeoW4gkTZE1MbWlrRm0qpYEdGOmYWAROZL0CQyw/g7sOQ"
    "KjO+lv7fMLYDyzn6xMoFnAsg0TTT/R4qfGhJSv4dnWJa2w9scKkQefIZLFJOX99jtJ1vAU"
    "vSHL+7n8pj5rSJ9GMNKmtACWrtrvS5bWxfaPLCN9yCd1YuirBQ4yL9/tuYH93Bq2aeoMYW"
    "RCG9HibXNFwcIrXXex9fBznjTI4jxiSGaKnuFKp5BTaecBgrSWqvYHijqSFVVtJdThSYRw"
    "dZMmBqaqJI9qsbef0Uf4W/vk7PPZ5enF2SXJwh7TT/n83ak6AMYRZPD0ldZ3dh/a0MnBMA"
    "5AZTpS59CaJ8G9nkOTj25UKoYyefw4yh6m9YV5Ad9UHeGZPSc/L84yMP0iDa/vpOEPF2d/"
    "pRUa5LNzvsm+e6fNblHYA5gnJqJQqNBOwnxD7tjaAvGhjkrGoJ66op+8i02A9xIC5AMTsg"
    "voyQtOqQlxVZ4BvdLtySNF6j3Q6haW9YfO8JMUmd5ps9T3WOoPFzE1+YWAr13lDtCf4NdB"
    "X2bwGpY9M1mNQT7l1xZ9JriyDRUbryqchlqnl+qhFtE6eltqpLQNtB6VbKDWD0TLHiaZaj"
    "bRC7GHm3zcUckS1Oy2SqHl8rWsQ8tWV9ZGeo7LCk3XWdOQQG+rhYabYZH1g84DsM9ljDvp"
    "SP75G3fYyfBK4vsjmSdoM/wTemcwd8kjQTxBHFS9CZNXzoHB+91rQF5q8EWb8NWf/ETaFX"
    "l78s7Idsbm0uhaupFbDOQnOPn2Cs2pGkGb3jHaRizFz5u8tWgv4ikQkyeYuq9BHzqCO28G"
    "6ykkY+7qZ1k3aU2HkzON/I1YixnE2n8hkyaZ0AJqeut3Mb/c4/zS0UEC1/SppS9Qzqxy32"
    "Y0Mq9sn+eZWJJcqTNLdi86tWT/CwDs5W8ivsfHefA9Pk7Hl96L4ruElvVqEINZ1EmSEGwi"
    "4ufnuVr0eUaLPo8jbhp6SouW8WqRGBlEZ1Su7O6wDvqzAnC3pJtet98BcLrQ8BhLt3JfIb"
    "/8kgqq4eQihxZO4mPqQAn0VlQHmqWSnll74SjiyiAYQ5zSL4blYkp4IoJVacHrM3c7tbka"
    "DO4js5qrrhLD+LF3JRPsGfQkk+YM37yOM+QhnENbncAlnGj2e4GBSEJud9OP0zjgp/seh8"
    "Rm6wwb01ht5nlNKULM3es8dxeO9vRPrLmO9tVyuqHWo5JC63XROudjd58+0Hp4vl/MXceR"
    "FF679V67uINlS+fdIFbcgYGd14fHaWxFXXmxeL3FGZS7cj/+NES6j2iK0zTKMmkI7FEX/l"
    "JTv6H3bYFaaqQ1H+yAbg1ElkW+VtL12drkG7K3hEphhTQUKtJlLUkGVApGQ7ewhmLFJkwL"
    "Yl/gbFu8rklRPaekpoJl4BdkWgyHbcEKFdUgtCoNYjnmnRfF8g1/RhjL6WJyBbJaEqA1TI"
    "8AZXxMaBGAyIJnwwQQA/K+aGYy1f0DkHIs8KrZc6CRC2fw4Kj1L5bjLwSmNpvbFo+ZWVEt"
    "grVZr6iaiPlUHPMx0bP2VijY40s0EOPywwvELBWOp4VlBOU4BrGgHDffJ5bHEyq4qB8hyi"
    "G4qB9F054tfnov5uFOyG3k366ZYssOEosAgggg7N9OlRdA4BuOEoDOS7Oumb3IC3DCWEbg"
    "JU8B+o/39/viWl8b2HacSwk/lXfrKMtRNQllyuGomqws21ggk67ihTjiGuJ5nNZlL8LUPg"
    "KcW282MjHUqWYElfsDUblrZksEk5uW3doNulX49MKGpEgjjoo1sClXAfYLMjVSHAfpTPZw"
    "WGyH5GE/JQx20SVJ+2EN65BM0adqYducEGxgw67CRguvajr6zfWqCn5p07Qu+KXCPVRzsP"
    "fDLxVkQEEGLA0rQQY8CDLgoVi+StmAkd6C42uN9ybpDtd4N1buPhfCByqId7WYXlfhN7L0"
    "1awIvl5+wQeLYZvkgzkjO7U4tTEhuEN/s/KTshuX80k7D8WxnU5xbKfgPTFW2EZmAVucFN"
    "zd3PG41nY5ZCeQbZP6OMOkf48G/RRbEZKJO2K0iQ3+B3TNqgzZ1j+fV3hCcQNPK00nT2J9"
    "otX+q6r2nYEnxSjig/Ha8Q896ed4E7++H1zFnSu0gKu4SjQbeQsicpvvkEwpDugaWfCzPN"
    "3jWXrveJboHLUpwrZmv6sWmpiI44pMB5oj2jyH/2UexC/TEb9MIC68/enQH6bfV3j7P6LW"
    "07z9CV90Hhcp26Vr25XlDdu3dJ+L7w8SI5eUt72fz6P2NRGk3QYjDhgi1Ya8uVBxmBQ4ay"
    "pSe4tFHCZaIhixz2CEa7Q4YYjAnKUHIOwgT8VbbOPV4oncixOz/2wF78mLT1s2tFfsmUPz"
    "JFoGeluazrFSPkbu+7tP5bWtFstM3o39YE03u0p3uxsUfYJq61yammG623LupMKdoRma6F"
    "T8RqSamWG+V1wNUdNMw85un3ShQaWVmYh8WJaNTNVf91BhbeW+jrV6+g+arNM6qfTN3VdK"
    "dSVU25wtWqF6brt9VRne9tTHhwd5mF1r2GblrzkkVax2EVPdaUzV6UPyAxsICFIdLzbifq"
    "IJQDP88IFIAyPVp7ki1acZkerTZKQ6/GQJpBViTPhIx8QasHQnywUo/6xkx5l8D+D9oH/r"
    "ZY8Hn2LN2x87Jlv3+vMBAukdQt+XvxZEn4p0APkzxoMHud8B9O8Yk07rYTi4HcqjUQeEfo"
    "zxV6mrdPu36qCvXj+OlEFPHnYAJzGSU7nrDm/UB2mo/BLJHEofY1L+4P6LfNMB3tUYE7WM"
    "aIrzn/yW+tfy/T1L8i5bm3ypeaLwp+lR+NNEFD48BN+kvYTld9hievJN97FXtNHcD0ijIX"
    "/G2JHvAOf/GN91b+86gP4d48ehc9qE858ob0gUfy3dE925V5uorvw9ovyhf4GOLCzTvADn"
    "Sa6O7CSjIztJdmTOAm5vZJbAOp1PkRAUpIrszm4DUsUC2ZAOnIvoJSwjVFK6SoLZe1EyaF"
    "KyAcO/HZBC4/6SjSAXC12LLXT1twcvzoKIiYoNxurDekiSXWKez4SqM9Y4xgXFFmNJZ8yz"
    "Zlq26q0ZU6crtMEHlVqI+LTq/GmRoogKmft5M71zCxA6r7POY5/q1t+60Hn9dc4+05cNN9"
    "2NiAo911nPE93YbMvdiKDQca11LBj/DeN+C8b/R9R6GuOf4+JAxea9MSkx6RX7au8e4cCv"
    "WQjeuJhovGJPqvpsWe63zhJwzr8ypmbNOS/C8U85ZctyXn9XArwN3xA+1scX3g4+hPnE1l"
    "40WytnuzDJKa2xq+L2tbfaQYIl1nythYgUDXU2P3s2jcV2YIkDVjdcxeQbrdTVTGGztm5V"
    "kwrDmdeeZ6HMEYCrqWYD+tp6BxgYAdN4BUtkgskc4hkRYueg2iTnC9RJpwqe0DPpEAHEUw"
    "CfSRfLrl7nBphqU6DZyWMwKqtl/f5vkXUSLkSlLgYSiyF2uRiCQZOANR9X1ZOtM4W/dT2U"
    "JYURhZ2LMR4pkvI4Uq/vpP4tvRH9PcYPw+5g2FV+CXLEU8ZYGo26t316z7sa48d+kBpcM0"
    "Lzw6B/4zKanUtKrVbkYV+6pw8vq9INu89JHGNFuvXu+5dO6lDuDb546e4PWh8lbzvVOVf5"
    "SNWPDzcOUu5F3Orsh1At1j3sad2D040UY+gGIoIImq2QDYigpG8nHfjCOTdsG7vNLajeRt"
    "xfYhKsK5GcVQWSs6hg9MtIkXvEmLP/Yyz3pO59B7B/mxiy8pcXRFAvNJbhSApHatJHHYGp"
    "KFeaK9yAXmMHdGkRwk5H/zCDmXlC2JGpX05DFpERcbb1waBgY5Ut/eeN25TqKOZBjzStos"
    "eRVO+T8n3DqT6psPd4rU/KDGeucrd/4e1plLeH7gLoBtLyTqRDInWeItR2Gq1ZqoadIz05"
    "8YCswyljkvs+n7J6/Es8p5IMXeaGudUsOVZEnRt/I+bHLt5FJ24xMTFlyzNlc0ErvLw1Li"
    "fWtopDXMUMOWWG7H4sbPvugpTfpKRw+KV28u7W1htBHJUVICdBFn6eslAVfp7d+HnSbHAJ"
    "8Dadhprsd/LQfCOmtASUG8+l5nY+hUm/1XstKVMz1WHp0jjX+iptN99a6twAI0AyAwMzOp"
    "sj3gHQJ7bRm5bBKG308lnTKYttZSELQAyYzqkwekHmO6A+sCdooSR5rsJ6uHuYB8ad4Vh0"
    "73JvZhtYPuFvrVO3fpThbxXHt1Z4wKhY9SfG/oeCqhj7737sL1ZSVrqScj8D08HKfjLe5B"
    "fEXiAxNA3fzhycGiyjivycVUbRCw26rrTZRxl3/b3dPj393D4+vbg8P/v8+fzy2LetyVtZ"
    "Rvaqe0vtbGTokCMaPocYo0IBkJBIA8dolcSa/E8sL8a+QAMRLn8UXHS35v3t1LwfUkclVH"
    "wR0Etv780K6CUG7vsZ9oRPgOQMe2IHRKYPe8KHUpY/7PktcowjLX+ia9SX7NbInFdZ7q+w"
    "eDnHiQl/1y79XR+NdjXoK9K10gHuRTbpKu6IFjSrptOsnowp5zSZdK6tl7/OjV4QbUuE//"
    "CJtskOvoBR4Qo3j1NY/qRPzD/SoW/W/EMQCgWhsFkgc+Z4OSHmSIoAo9gOd/8h3LjXY3v+"
    "W5Gd3+oGdt5II+dzFkHdGm2PK7izRSAW3FnBneWYb56zPmbeM7z18Zzle+u9xmIsESYCqj"
    "slX+eo5xiU4KTzV6jZtCxLo011G+89/VSya43tnOw+RLV1RtteSRshrK82dPSHiIjUaWR4"
    "lBERCb6KTYIhgfQOHe5fpa7S7d8W9Lt7Yh3gXoyxdK10v8gd4PwfY9nZBJP9q0cwJJMBtF"
    "49e2EDtV616czheRZST/fmVlY6wJH2NwDwl3LvXxniBOCPceRZcqjB/fxSPBQ84UbEy6qO"
    "GZDRAjs8OYl2OlksLCN2dM0OWW5AI4sOlAvavISwsHp1tnrQ05eJlvr7ZipPK0Novs6aF0"
    "c0fzydIwLhJgPZsJzQcJ01rEMrYK4UVzRHXOi7zvr2nH5McZRjUjh2zRUXDAEODYPFUDYE"
    "mi8sYOYSMViTXGEK1AZtORDcHUng+EDAdZphYWjjYgLYRKsV1McPSH2MHntfROtRSaH1um"
    "idM+hKHKcZC+7mtaFRKdH1p3f9Gw1hBS9QMC/3hvB+tiRqoDnIoLMKjuXOOJb7IP4dKsAZ"
    "lD8+f9UdB5QAbtO5q9ERUw7e6u43LTtQaNP3LMtDUw1xRx1XMYdJVuhM+eg+EQ0xFJWeKS"
    "8hU5vMWxwer3vnKIvBC4M8tdlgTHA6t+R0Uk42d2iUTlsKiTSQrNQ+P8+zecL5ecahKecJ"
    "OiD5qAog7GZvILonubamOMnYmuKEc2hr2klwGad7p54EJzYP66xhfSVmW7tcmvL9/wGH+C"
    "0="
)
