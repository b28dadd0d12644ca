from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "organization" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "slug" VARCHAR(64) NOT NULL UNIQUE,
    "ticket_prefix" VARCHAR(12) NOT NULL,
    "ticket_counter" INT NOT NULL,
    "settings" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "agent" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "password_hash" VARCHAR(255) NOT NULL,
    "role" VARCHAR(16) NOT NULL /* ADMIN: admin\nAGENT: agent */,
    "is_active" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_agent_organiz_0d7f9b" UNIQUE ("organization_id", "email")
);
CREATE TABLE IF NOT EXISTS "access_token" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "revoked_at" TIMESTAMP,
    "last_used_at" TIMESTAMP,
    "agent_id" INT NOT NULL REFERENCES "agent" ("id") ON DELETE CASCADE
) /* A login session. Only the SHA-256 of the token is stored. */;
CREATE TABLE IF NOT EXISTS "api_key" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "key_hash" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "revoked_at" TIMESTAMP,
    "last_used_at" TIMESTAMP,
    "created_by_id" INT REFERENCES "agent" ("id") ON DELETE SET NULL,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE
) /* A named, revocable key for an integration; acts with its organisation's admin rights. */;
CREATE TABLE IF NOT EXISTS "contact" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254),
    "name" VARCHAR(200) NOT NULL,
    "external_id" VARCHAR(200),
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_contact_organiz_3861ae" UNIQUE ("organization_id", "email"),
    CONSTRAINT "uid_contact_organiz_f6eec7" UNIQUE ("organization_id", "external_id")
) /* A customer of an organisation. */;
CREATE TABLE IF NOT EXISTS "ticket" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "number" INT NOT NULL,
    "subject" VARCHAR(300) NOT NULL,
    "description" TEXT NOT NULL,
    "status" VARCHAR(32) NOT NULL /* NEW: NEW\nOPEN: OPEN\nIN_PROGRESS: IN_PROGRESS\nWAITING_ON_CUSTOMER: WAITING_ON_CUSTOMER\nWAITING_ON_THIRD_PARTY: WAITING_ON_THIRD_PARTY\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nCANCELLED: CANCELLED */,
    "priority" VARCHAR(16) NOT NULL /* LOW: LOW\nMEDIUM: MEDIUM\nHIGH: HIGH\nURGENT: URGENT\nCRITICAL: CRITICAL */,
    "category" VARCHAR(100),
    "custom_fields" JSON NOT NULL,
    "metadata" JSON NOT NULL,
    "requester_name" VARCHAR(200) NOT NULL,
    "requester_email" VARCHAR(254),
    "assigned_at" TIMESTAMP,
    "first_response_due_at" TIMESTAMP,
    "resolution_due_at" TIMESTAMP,
    "first_response_at" TIMESTAMP,
    "resolved_at" TIMESTAMP,
    "closed_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "assignee_id" INT REFERENCES "agent" ("id") ON DELETE SET NULL,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE,
    "requester_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    CONSTRAINT "uid_ticket_organiz_61a4b9" UNIQUE ("organization_id", "number")
);
CREATE INDEX IF NOT EXISTS "idx_ticket_organiz_ee7290" ON "ticket" ("organization_id", "status", "created_at");
CREATE INDEX IF NOT EXISTS "idx_ticket_organiz_7f5b03" ON "ticket" ("organization_id", "assignee_id", "status");
CREATE INDEX IF NOT EXISTS "idx_ticket_organiz_5e107f" ON "ticket" ("organization_id", "priority", "status");
CREATE INDEX IF NOT EXISTS "idx_ticket_organiz_f10a74" ON "ticket" ("organization_id", "created_at");
CREATE INDEX IF NOT EXISTS "idx_ticket_organiz_26542b" ON "ticket" ("organization_id", "updated_at");
CREATE INDEX IF NOT EXISTS "idx_ticket_organiz_68330b" ON "ticket" ("organization_id", "category");
CREATE INDEX IF NOT EXISTS "idx_ticket_organiz_4f4817" ON "ticket" ("organization_id", "requester_email");
CREATE TABLE IF NOT EXISTS "ticket_activity" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "type" VARCHAR(32) NOT NULL /* CREATED: CREATED\nSTATUS_CHANGED: STATUS_CHANGED\nPRIORITY_CHANGED: PRIORITY_CHANGED\nASSIGNED: ASSIGNED\nUNASSIGNED: UNASSIGNED\nRESPONDED: RESPONDED\nINTERNAL_NOTE_ADDED: INTERNAL_NOTE_ADDED\nTAG_ADDED: TAG_ADDED\nTAG_REMOVED: TAG_REMOVED\nREOPENED: REOPENED\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nUPDATED: UPDATED */,
    "description" TEXT NOT NULL,
    "changes" JSON NOT NULL,
    "performed_by_type" VARCHAR(16) NOT NULL /* CUSTOMER: CUSTOMER\nAGENT: AGENT\nSYSTEM: SYSTEM\nEMAIL: EMAIL */,
    "performed_by_id" INT,
    "performed_by_name" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "ticket_id" INT NOT NULL REFERENCES "ticket" ("id") ON DELETE CASCADE
) /* The audit trail: one row per change, with the values before and after and who did it. */;
CREATE INDEX IF NOT EXISTS "idx_ticket_acti_ticket__c302e3" ON "ticket_activity" ("ticket_id", "created_at");
CREATE TABLE IF NOT EXISTS "ticket_response" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "content" TEXT NOT NULL,
    "is_internal" INT NOT NULL,
    "author_type" VARCHAR(16) NOT NULL /* CUSTOMER: CUSTOMER\nAGENT: AGENT\nSYSTEM: SYSTEM\nEMAIL: EMAIL */,
    "author_name" VARCHAR(200) NOT NULL,
    "author_email" VARCHAR(254),
    "created_at" TIMESTAMP NOT NULL,
    "author_agent_id" INT REFERENCES "agent" ("id") ON DELETE SET NULL,
    "author_contact_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    "ticket_id" INT NOT NULL REFERENCES "ticket" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_ticket_resp_ticket__c40b52" ON "ticket_response" ("ticket_id", "created_at");
CREATE TABLE IF NOT EXISTS "ticket_tag" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE,
    "ticket_id" INT NOT NULL REFERENCES "ticket" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_ticket_tag_ticket__a17749" UNIQUE ("ticket_id", "name")
) /* One tag on one ticket: a row per tag so the tag filter uses an index on every database. */;
CREATE INDEX IF NOT EXISTS "idx_ticket_tag_organiz_c598c2" ON "ticket_tag" ("organization_id", "name");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXWtz4jgW/SsqvmxvVSbVIZ3MFLO1VU7iTtjmkQKne3qGKZcAAd4YmbFFJ9ne/u8jye"
    "8X2GCD4+gL2JKuLJ+r1z26kr83lsYU6dapNJkgy1KMR4QbLfC9geES0Yuk6BPQgKuVH8kC"
    "CBzrPD3kCVXipRxbxIQTQuNmULcQDZoia2JqK6IZ7FENCejGXMPAonI06BT0sf4CyAKB4Z"
    "30U/PiEhgzfsvzBJoFLGKYaHrKsp8aE5q/hud757TG2l9rRAs+RzSJSfP7408arOEpekaW"
    "e7t6VGca0qchjLQpy4CHq+RlxcPamHzkCVkhx+rE0NdL7CdevZCFgb3UGiYsdI4wMiFBLH"
    "tirhlYeK3rDrYufnZJ/SR2EQMyUzSDa51BzqTtAvhhDVXt9RV1KCuq2oipw5UI4OoETQzM"
    "VEmLavG3n7Mi/NQ8+/Dzh1/OLz/8QpPwYnohP/+wH+0DYwtyeHpK4wePhwTaKTjGPqhcR+"
    "oCWos4uNcLaCajG5aKoEyLH0XZxbS6MC/hs6ojPCcLenv5YQOmn6XB9Z00eHf54Z/sgQZt"
    "dnab7DkxTR7FYPdhnpiIQaFCEof5hsYQbYmSoQ5LRqCeOqKn7sUuwLsBPvJ+F3II6OkLTl"
    "kX4qh8A/RKuysPFal7zx63tKy/dI6fpMgspslDXyKh7y4javIyAV/ayh1gt+D3fk/m8BoW"
    "mZv8iX465fcGKxNcE0PFxpMKp4Ha6Ya6qIW0jp5XGs1tB62HJWuo9VeiZReTjWo20TfaH+"
    "7SuMOSBajZqZVCy8VrWYcWUdfWTnqOygpNV1nTkEJP1FzTzaDI9knnK+ifi5h3spn87DFx"
    "2snxiuP7kdoJ2hx/Qi8c5jYtEsQTlICqazC5+bwyeH+4FcgN9Vu0CZ884ydUr+jb03dGxJ"
    "6bS8Nr6UZucJDHcPL4BM2pGkKbxRhNIxLipY1HLZvLaAjEtART5zVYoUO4J1mwrkI22K5e"
    "km1GazqcCWbkH7S3mEOs/Q9yaZoILaGmN/4U9uUR7UtbBzFc001LT6AYq/LY3WjIrmxeZD"
    "EsaapUy5LHhU1L/p8DYDd9HfF9/z4Lvu/fp+PL4sL4rqBlPRm0w8xLksQE64j4xUWmGn2x"
    "oUZfRBE3DT2lRst4vYzNDMIWlSN7OKz98SwH3A3pptvutQCcLjU8wtKt3FPonZdTTjWcXW"
    "bQwll0Tu0rgUWFdaBZKh2ZtW8JirgyKMYQp4yLQbmIEsZUsCwtuGPmYU2bq36/E7JqrtpK"
    "BOOH7pVMsefQ00SaPX1zB07BEL5thnC9mu6o9bCk0HpVtJ7AMDil97UeNFTy8QwJkoJu2E"
    "43RC3DPVmHfiS7VwZ2VvIhobLl5SAiC41WwmzCkfv4aYB0D9EUtie8PF4T2MPc40pTH9HL"
    "vkCtNFqbXy2LvAUiy6KtlQ59RJs8IrInVArPpKZQ0SFrRROgQjAaOJnVCKtSKVK7DSZxpF"
    "7r3ECS2v1AJpq0IQH2hOkJYOuJE5YFoLJgZpgAYkDfF81NruJfAc3HAk8aWQCNXtg9vMXj"
    "/mHZ1igwtfmCWEl+PyU9RfgEVYuzFYxiyYyiiWbacy4q0ZOoIcbFk1e0W8rN1gZlhENbBG"
    "Lh0FZ/4iILXSU8nd6C/4vwdHormnb74vFLPhoyJrcTCVkxxRYzrRYsr2B5KwF24SxvcsdR"
    "ANBZnfgq1l9kBTjWWYbgpaUAvYdO51iefNcGJja5FOOp3KiTTUTVJJAoA1E1WVvEWCKT7R"
    "GDOEQNJTFO25Ln8QM8AQlRzwSZGOpMM8JR8A05ClasLxF+gizvxmHQLYPTC3YkeSpxWKyG"
    "VbkMsAX5lI5+fckn4StVN60LXylhRVcc7OP4SgnHFuHYshdWZTIGoRadQBtEW3w6dxDtao"
    "rdECjMeeFDUlsTyNLX8zz4uumFa8NW1wZ79FXze+nEBA9InSiflMOwJ2fNLN46zXRvnWYK"
    "3hNjjQkyc/TFccHDze/fV7pfDvQTiBD6vIR50n+G/V5KXxGQiRrL2oSA/wNds0pDtvGv2R"
    "pPGG5gvNZ0WhLrlD3232XV7w14MoxCdrJbj991pd+iVfy607+KGsAsgyvBXtWcxxDs1VvU"
    "ehp7FeNWspj8fOv3vrt+anYYzjE3Rr1KjJy1+D0xCiz71xGkw5JrrxgilcCkeWN+mBQ4rx"
    "NSZXJrTr1KYNX8GpfOpxE/TclHa+H1ckzjoi4z3xv+eyZR4haBZM3LHJjKsjzQM7Wa+XHS"
    "HkbO+zulcitWgyem78ZveK3d/EhntygKl6DcZ65MzTA18nKwBx4MzcBctOQ3oo+ZG+ZLyY"
    "8xEa3rFkGm6jmJ7fw0QTAflGC2e6DswPoCYhU4iShaj/+LJgnG6QZO2RepIW1/nom2P99A"
    "25/HaftgyWJIK7QzSUY6IlYDl7xNNr78m7KZdPNM/E6/d+smjzJxkertzTzitXv7qXK+9A"
    "Gh78lfcqLPRFqA/oxw/17utQD7HeF2T70f9G8H8nDYAoGbEf4itZV271bt99Trh6HS78qD"
    "FkgIDKVU7tqDG/VeGihfQ4kD4SNM8+93Pss3LeBejTBVy5CF2P/0Xupdy50OD3IvG7u01C"
    "xLEufpSxLnsSWJ4ARul/oSlD9gjenKN+2Hbt5K0+nTSkN/RtiWbwH7f4Tv2rd3LcB+R/hh"
    "YJ9RaP9T5Q2o4q+lDtWdc7WL6orf++1NHHMMZEGZ+rngnmUayM42DGRnCS64fGOGOzOLYZ"
    "2+uBQTFCtMha8wLRGBbOKcRy9BGaGSwlXiG5p5PWPikjWY/h3AQyZq2u8EudhklG+TkXc2"
    "W/5lzoioODigOsua8dXsmWZaRHW9cNXpGu2g8dRMhO6rrHuaFVUhJ1F303tiBkLnVdZ5pK"
    "nu3daFzquvc95Mv+142lNIVOi5ynqe6MZuZz2FBIWOK61j4XNaM+9D4XP6FrWe5nOaYIOj"
    "nF+wDEuJA93EgW6HR9gn3nLBGxUTlVfs8q/OWXle7SwA5+y+2RWrzlkRjjbllLPyksa7Au"
    "Ct+UmEkTE+9zmEAczZN/40ohVzAINk51bbfRnHOq3iVYIldh0cadeB1wpTdx8E2+m2XQgq"
    "DCbeejKoskAArqcaAey19RYwMAKm8QRWyASTBcRzKsS/KENoym9Qp6MEGKMZ7eEBxFMAZ3"
    "TM4FdPCwNMtSnQSPxA0dKesv34kZAnugNRoc77wv38kO7nHJoYrNm8A13ZKjtNN64HsqRw"
    "10z7YoSHiqQ8DNXrO6l3yyLC9yN8P2j3B23lq58iGjLC0nDYvu2xOPdqhB96fqh/zV1I7/"
    "u9G8eH1L5kzqyKPOhJHVZ4WZVueHxC4Agr0q0b713aoQO52//shjs37HnMXdZ+nH2VzY31"
    "4f7GRsq5iPY6x3FhFZ7mR/I0t4eRfD6RvohwvduskB1c7+jYTgfwpX0C+z79dmJG1e7EPa"
    "d+35Pf+da8ZLtxD78OFblLO3P+P8JyV2p3WoD/7dKRFe/QHUI911wmQVIwg3HSNQRTXu/U"
    "ROEajBriFGuxOlfKmmzI9MvYkYVkxMLR9tUN/yCEPQnh2p3zcRKhhENVK++JxeVzUh7Zmc"
    "pJBenQrZyUGUxc5mGzgu2pFdvDDlZyVoayGtIBkSqbCJU1ozVLZZ8UZx9HSVgNMAwdQZxS"
    "qcOSEfTHVLQs+L2Qw+J/1e93QvhftaMAP3SvZGp3cWXQRJrdxcdtATp1WRjmXlZyJIsqV/"
    "5a2McO3nkNt4iYMNmymGwOaLk3FEblxG7CTLsJhYWcjn59LWSnsfATUXP6sMYlBeGXOsg7"
    "p4XuBHFYVoAcB1nwPEWhKniew/A8aX1wAfDW3a8yPu5k8VsNdaUFoFx75+DEwadSX9P2XQ"
    "9TCUvHL3ErV0mcdFtd5/oYAZoYGJi7s9niLQA9xzYWaRncpY1dzjSdebGtLWSxb2pznTNh"
    "9A2ZL4BxYGNoobjzXInPSTxz2O/cOY55zxq2hU4ExVqdkfxkA8UqPhhW4ietxM41Md1/La"
    "iK6f7hp/tiN2CpuwGPMxeVkKlNFkkTUSdm4ywU+mnEV1lfU/+5aZJFZ95WYhNPn2cFRGo4"
    "1WpeXGRatrjYsGxxEVsloo0qB8JO8hqiW87Jw2m+GBv861N9MQ7gX38cn4zCPOlj07FDDm"
    "Y//gYWzMJE"
)
