from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "inbound_mailbox" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "organization_id" INT NOT NULL UNIQUE,
    "host" VARCHAR(253) NOT NULL,
    "port" INT NOT NULL,
    "security" VARCHAR(16) NOT NULL /* TLS: tls\nSTARTTLS: starttls\nNONE: none */,
    "username" VARCHAR(254) NOT NULL,
    "auth" VARCHAR(16) NOT NULL /* PASSWORD: password\nOAUTH2: oauth2 */,
    "secret" TEXT NOT NULL /* The password or token, Fernet-encrypted. */,
    "folder" VARCHAR(200) NOT NULL,
    "enabled" INT NOT NULL,
    "uid_validity" BIGINT,
    "last_uid" BIGINT NOT NULL,
    "next_poll_at" TIMESTAMP NOT NULL,
    "lease_holder" VARCHAR(128),
    "lease_expires_at" TIMESTAMP NOT NULL,
    "last_poll_at" TIMESTAMP,
    "last_success_at" TIMESTAMP,
    "last_error" TEXT,
    "last_error_at" TIMESTAMP,
    "failures" INT NOT NULL /* Failed polls in a row. */,
    "messages_fetched" BIGINT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
) /* One organisation's mailbox, and where its polling stands. */;
CREATE INDEX IF NOT EXISTS "idx_inbound_mai_enabled_ab5325" ON "inbound_mailbox" ("enabled", "next_poll_at");
        CREATE TABLE IF NOT EXISTS "webhook_endpoint" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "url" VARCHAR(2000) NOT NULL,
    "description" VARCHAR(200) NOT NULL,
    "event_types" JSON NOT NULL,
    "secret" VARCHAR(120) NOT NULL,
    "previous_secret" VARCHAR(120),
    "previous_secret_expires_at" TIMESTAMP,
    "is_active" INT NOT NULL,
    "disabled_reason" TEXT,
    "disabled_at" TIMESTAMP,
    "failing_since" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE
) /* Where an organisation wants its events, which ones, and the secret that signs them. */;
        CREATE TABLE IF NOT EXISTS "webhook_delivery" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "organization_id" INT NOT NULL,
    "source_id" BIGINT,
    "message_id" VARCHAR(64) NOT NULL /* The `webhook-id` header. */,
    "event_type" VARCHAR(64) NOT NULL,
    "body" TEXT NOT NULL /* The JSON sent, byte for byte the same on each attempt. */,
    "state" VARCHAR(16) NOT NULL /* PENDING: pending\nSUCCEEDED: succeeded\nFAILED: failed */,
    "attempts" INT NOT NULL /* Since it was created or replayed. */,
    "next_attempt_at" TIMESTAMP NOT NULL,
    "retry_until" TIMESTAMP NOT NULL,
    "last_status_code" INT,
    "last_error" TEXT,
    "delivered_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "endpoint_id" INT NOT NULL REFERENCES "webhook_endpoint" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_webhook_del_endpoin_5a3c35" UNIQUE ("endpoint_id", "source_id")
) /* One message (an event, or a test) on its way to one endpoint: the exact body sent on */;
CREATE INDEX IF NOT EXISTS "idx_webhook_del_organiz_94c1e6" ON "webhook_delivery" ("organization_id");
CREATE INDEX IF NOT EXISTS "idx_webhook_del_next_at_a5fece" ON "webhook_delivery" ("next_attempt_at");
        CREATE TABLE IF NOT EXISTS "webhook_attempt" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "attempt" INT NOT NULL /* 1-based, counted from creation or the last replay. */,
    "status_code" INT,
    "duration_ms" INT NOT NULL,
    "error" TEXT,
    "attempted_at" TIMESTAMP NOT NULL,
    "delivery_id" BIGINT NOT NULL REFERENCES "webhook_delivery" ("id") ON DELETE CASCADE
) /* One try at sending a delivery: what came back and how long it took. */;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "webhook_attempt";
        DROP TABLE IF EXISTS "inbound_mailbox";
        DROP TABLE IF EXISTS "webhook_delivery";
        DROP TABLE IF EXISTS "webhook_endpoint";"""


MODELS_STATE = (
    "eJztXW1z4riW/isqvtyeKmaqO+l097JbW+UkdJo7CWSBTE/fyy2Pg0XwbZAZv4Sws/3fV5"
    "LfbdnYxjbC0ZcEbB3ZPEc6Om86+quz1lW4Mn+R5nNomlP9O0SdHvirg5Q1xB9Yt7ugo2w2"
    "wU1ywVIeV7S9QhvKlt/y0bQMZW7hewtlZUJ8SYXm3NA2lqaTR3UksNKfNARMTIcv/QJGaL"
    "UD1hKCyRfp57OLD0Bf0K+0T6CZwLR0A6q/kO5VfY7719DTwT3ZSPvThvjFnyBuYuD+/vkv"
    "fFlDKnyBpvd1811eaHClRjDSVNIBvS5buw29NkDWZ9qQvOSjPNdX9hoFjTc7a6kjv7WGLH"
    "L1CSJoKBYk3VuGTcBC9mrlYuvh57xp0MR5xRCNCheKvSKQE2rnBYJrHVkejqbypD+V5U6C"
    "HR5FCFf30lxHhJX4VU3665/IK/x89u79x/efzj+8/4Sb0Nf0r3z84Tw6AMYhpPAMp50f9L"
    "5iKU4LinEAKuWRvFTMZRLcq6VisNGNUsVQxq8fR9nDlF+Y18qLvILoyVrirx/eZ2D6mzS+"
    "+iKN33x4/xN5oI6nnTMnh+6dM3qLwB7APDcggUJWrCTM1/iOpa0hG+ooZQxq1SX9xftQBn"
    "jvQoB8IEKagB7/QJWIEJflGdBPB3f9yVS6uyePW5vmnyuKnzTtkztn9OoudvXNhxib/E7A"
    "18H0CyBfwT9Gwz6FVzetJ4M+MWg3/UeHvJNiW7qM9K2sqKHR6V31UItwHb5sNNxbCa5HKV"
    "vI9RPhsodJJpsN+IzlYZnJHaWsgM3uqBRcrp7LK8W0ZNssxec4reA0z5xWMPSWXEjdDJPs"
    "VzpPQD5XoXcSTX7xnal2UryS+H7GdoL2hH6FOwrzAL+SguaQgapnMHn9nBi8P7wB5F0NZr"
    "ShbH3jJzKu8K/Hvxlajm4uTa6k636HgvyozL9vFUOVI2iTO/qZHrvit03eWp+t41cUhN9A"
    "dX8GeekI7iwL1mNIhu3qN9lntKbDyTAj/4mlxZOCtP9VKDVuBNeKtur8S9iXR7QvHR4kcE"
    "03LX2CaqzKY4vRiF15dpHHsMStUi1Lei9qWtL/BQD22rcR37dv8+D79m06vuReFN+NYppb"
    "HQvMok6SBGEbEb+4yDWiLzJG9EUccUNfpYzoPrLXCc0galG5tM1hHaxnBeDuSNd3g2EPKO"
    "paQzMk3fSHU/zN76kgG959yMGFd3GdOmACuRXlgWbKeGXWnhmMuNQxxgpKWRfDdDEmPGLC"
    "urjgrZnNmjaXo9FtxKq5HExjGD/cXfYx9hR63Ehz1Ddv4Qx5CJeKJc+VjTLXrF0BRSRB15"
    "z5cR4H/PzYekhM78AWnqUttDnVCM0kqH+fjIYZWkiSPG63a3ML/B9YaWYejE/HYie4RIa1"
    "Jyne3Em/x4XI1e3oMm6Fkw4uYxyhPhA6Wg3dLucLT+lCeFO49qY8msSGNTV3uS7C8Dit4D"
    "TPnBZBrvTlrb1BLnujluR6lFJwnReuMya7+/YB18O+tmKucgal8Jjv95jHnZsHOs5Hse5O"
    "DOy8/nPGYCvqRo/lyjDMiEuX7vOvY7jyEU0JWEQzvFoCe1Th22jyd7g7FKiNhkfzySp0ey"
    "AyTTxb8dJnafPv0DoQqintpKVQ4SVrgxvASjAau521FCtqGq+xfFGeDsXrCnd15/TUVrB0"
    "9AwNM803VAisUFctQqvWALIj3lkRZF/wZ4SQnSUmVxC5IwHyBLULSLbVnHQBMC1Y6AZQEM"
    "C/Fz4ZlHX/CXA/Jthq1hJo+IOjPDhs/Zvp+OqBoT0tLZOVFV3TU0TGNF8RbRFvrTneasCF"
    "9lIo0OpTtBDj6kN7WCwVjmWHaUS6fwxike7ffp9YHk+oyAN/DVEOkQf+WjjtyeLHXTEPd4"
    "KulH+bM8ZWnaAhAggigHB8OVVdAIEtOCoAOu8WB87kRV6AE8IyAi9+CzB8uL091j6HKx1Z"
    "jnMp4afybnWzHFXzUKMcjqq5bVr6GhpkB72CIq4hlsdpX/MiuyS6gHHrxYIGUlaEM2IbxS"
    "vaRsGZLBG7KEjfnWbQrcOnFxYkRQZxlKyFQ7kOsJ+hoeHuGEhnZu6HyRpM3PevhMFmL5C8"
    "ZeyvFGyiq3Jh2ZwgbOHArkNGC69qOvrt9aqK/NK2cV3klwr3EOdgHye/VCQDimTAyrASyY"
    "AnkQx4KpKv1mzAyGrB8LXGV5N0h2t8Gau2xozwgYrEOy7M6zr8RubKfiqCr9de5IPFsE3m"
    "gzmanVw8tTFB2KC/efrrtBmX87uzPCmOZ+kpjmcpeM91G1nQKCCLk4TN2Y5vuZbLITkBLQ"
    "s/r1A9jTDNQUU0yg3l/1rYaE5wA4+2tsJvYv5CHvvfdY3vpmtrmJoFvQ0RucV3iKYSBzRH"
    "Evx9nuXxffrq+D6xOGoqRJZm7WQTzg3IcEWmA80gbZ/D/1MexD+lI/4piTh6xFLYjZKUgT"
    "2FXmC/H3sRaUmH/jR97iLS8hq5nhZpScQB8rinaXXCQ3f1t6xe8zELH5wkRm5C5OE+Vi+t"
    "so0gNRsIOmGIZEth2aHFYZoqT21F6mhxoNNESwSCisC1hY9LXf8uQ6RudO1g9eCr013f7a"
    "1NqNUZPnNFPSNwFiwC6SEzK2hT84EMyF4/4nvxrQR/dYLfycqoMC3Fsuk7h6xL0gd82RjO"
    "IYQ+Ru7vd9/KG14d2hj/NvqFjuDsR7oFmmD0Dep95sbQdMMt4tzIAxtDM2Qe1vyL8GOedG"
    "NX82Mwm5405FQiJltjan2YAfHEMi1oyP5OnRqfVu3PMe3Hf8P5Pq7jh764ldBkl0K2jKd1"
    "J/Scm8FQno5v7uSH+/v+OPupYZmV/8khqmJPF1kAjWYBOGtIfmADApEGyormuVM0AWhG5C"
    "ggaWFuxXmu3IrzjNyK82RuRfjNEkhPsTBhIx0ja8FmsyzHaf/3aXZk1Peb3o6GN17zeLg0"
    "Nrx93TE5uvefJhNQNwj9sP+1IPqEpAfwnxka3feHPUD+zhBetO7Ho5txfzLpgdCXGfoqDa"
    "aD4Y08GspXD5Pp6K4/7gHGxUjL6ZfB+Fq+l8bTb5HGoeszhPsf3f7Wv+4B79MMYbZMyBXn"
    "P/4uDa/6t7f0kvexU2am5skbOU/PGzlP5I2EVfAy4yVM3+CIuetfDx7uig6a2xEeNPjPDD"
    "n0PeD8n6Evg5svPUD+ztDD2DmbyPmPmTfGjL+SbjHv3E9lWFd9VTNf9S+wkIVp2hcWfpdr"
    "IXuXsZC9Sy5kTskBTzNLYJ2eAZQgFGlA2YtdiTSgNbQUojgX4UuYRrCkcpYE1nvR9OUkZQ"
    "vUvwbSmOP+klKQi63ZxbZm+wXti+eOxEhFSTx+ckWSKUIxz2eC1Rm7cuOEoihe0hmz0AzT"
    "kr1djrJqwxITKrUTMbV4nlq4K8xC6n4ux3dmB4LnPPM8NlUPnuuC5/zznE7T55JloiOkgs"
    "8883m+0ssViY4QCh5zzWOxT6JlGfNin8Rr5HraPgmGiwMWs3tjVMLoFZXgm0c48GsWgjdO"
    "JgavqKLGT5F9f3RWgHP+/UScDee8CMenckqRfdZ6VwG8LT/CILbGFz7AIIT53NKeNUurps"
    "Cd5PTW2r2Ex6oGeJJgiZ1yeyHCXSsrap8tDH19GFjiSOCSu5h8oZW6myks1vbtapKVcOO9"
    "J7BMlxAotqpZgPzsVQ/oCAJD34INNMB8qaAnTERP7rVwy2dlhRdV8AgXeEEEClKBssBLLP"
    "20XepA1VSgWcmDW2p7yv6KhZF9Ei5ElW4GEpshmtwMQaFJwJovV9Wj5TmFv3M17ktTmijs"
    "fJihyVSaPkzkqy/S8IbciH6fofvxYDQeTL8FLeJXZkiaTAY3Q3LP+zRDD8PgavCZJjTfj4"
    "bXbkaz85GkVk/746F0S16+L0vX9D7j4gxNpRvvvv/RuTru341+8667X8jzSPK28zjnU76k"
    "6of7awcp90Nc6hwnoVrsezjSvgdnGSmWoRuQiETQbIaUSATFaztewNfOSXeHyG1mR3wLcX"
    "+LSbCvRHJ2FUjOpoLJt8m0f4eFOf0/Q/07aXDbA/RfGUFW/faCCOqFdBkGpXCkJn3UEZiK"
    "5koziVuwajSQLi1C2Onon2YwM08IO2L65RRkERoRZ9sfDAoKqxzoP29dKa9uzIMeGVpFD9"
    "Cp3yfl+4ZTfVJh7/Fen5QRblzn+RTC29Mqbw+pnegG0vIa0iESnk0Ebs1ozZQ15BxCy4gH"
    "ZB2nGqM89omq9eNf4cmqWHVZ6sZBVnKsC54HfyvsYxfvooZbjEyYbHlMNhe0wttb43Rib6"
    "s4dlhYyCkWsjtZaNHzgim/SUrh8Etd5N2C4KUgjtIKkJMgCz9PVagKP08zfp40GVwBvG1P"
    "Q02uO3nSfCOitAKUW59LzVx8Cif91u+1JJmaqQ5LN41zr6/SctvtTZ0bIQhwY6Ajms7mkP"
    "eA4ie2kZumTlPayMeFtiJZbLYJTaAgQHlOiOEzNHaA+MAeFRMmk+dqfA6zhnkg3CmORWuX"
    "e5ZtIPmEv5WnZb2b4W8VBw7XeCSu2PUndP9TQVXo/s3r/mInZa07KY+jmF7ra/zy/WdIf0"
    "BCNQ3fzlROVdpQhn7LveqpBOb6eq1ZmOPAoQaUGiDdAjtogaWCOasCy9EcSaorGSFmUgE9"
    "qKf9MXv/0Az5O75KI2Xud6I7FlIAL7Wn16ID/sfZ2fn5x7O35x8+Xbz/+PHi01tfzidvZQ"
    "n8y8ENkfkRNeaQfRgpy+wJhCW50RTj8yEvyHG6FoJd/YaNkLApJE+idG3SHBsRLTnOY0nf"
    "uJF+HksDGzeOk+xTyxYNrEDojGoS6cD7BAfBzqcbtLmNMcpupSsMcZOOe4hEDPgDoBeZDe"
    "nCv12ZDQkPxpHsP7jSiN+9wzL+vHvdLMuPmlrEoA3a5gpNBDabY6zpCGiWCbbKjhhqJJKg"
    "2gZ5iG+wsUMPJfthhha8FtTJ/+xG7eIBBmHxcWnxHd99vV9tOL1YTIBveG7kNfjCNC009q"
    "q3rH2hU0iQhKl4NvRonRXdth71FxocJt44R2jP8e8HpMZPQsYfX+QIp1KTTiVhZgsz+3Wg"
    "Lszso0FPTpEtvZHJJ25wb8wGIpUAWHC9ve8PrwfDmx5w6Wfoui9d94AKnUHEwS4lbLmtNx"
    "ajLE56qnmIpDlt5+2JqOkIvliyC1EJNxKDvBlfUpOm0Ym4jjyQMnfFrBTTkqFhsBbw9F3I"
    "Uao2bDtreh+y8NSmi7R2eWrFQSNt5jpDyPp1dTnwz0/mS6jaK6j+XX/sMHz0kfvdLD+96b"
    "WU/+02zeemX9mkSj3ARD0nfQovHcBc6Ra+peChqnbB447UvV13gY0sbYU/Q9Sl1XCX+hZo"
    "FthCxCi6W3nv+1O5Ul33x00sP673vha/TrqfnqoehMNFJWiE8HQEKHV6kiLmsYEN3pAwlT"
    "8rAXnrn3K6P09XtiaX1FOzxUuMgPHDcEjNcMNGyDHDMZjYDNcRnKHP0uCWlAleKBoeB3yY"
    "5Ut9pRYL9QQUXLOCTMaNoc+haXrcALrhLDuWTi7ljUBEOXD2KQ8Lzj6l84Dci0XcoGJCGb"
    "5sNDzdSqicLPrTkZuv0prH8swoZ19EKQWbuWbzQkOauSzF5xipOI2WZz4L59xxnHN4GWcd"
    "rZSRQuFRtCag0EBqBCcukmu4UnZQHduow05i9O52MzewOe1kw22YyzmCGwN9ARTgUjt+jO"
    "1SsYhjQjPBAuuWb/74Dnd//NSlngv3ukqm517vSLXdMzMeXV8Q7oK+Ab5PCtAmdsBFmxGr"
    "yzbF3jdOMyFdZuW13NzmPJtt3CQpuRMgL7Ruc56h7Xwl4oS4Xom0wbJDedTtpDzKA3ctpT"
    "VdkVRQSw6oTscSwpwIC/Cec+Acnp3U2Y2HUpcmtmsqFuiatXuFrsJTy5hq/RFKriLAlIj5"
    "nLc2S+s+jUyqkAv3bjChR7+tNdOEKn9ZVli0lxCiAZVIAeJZLIocuqq3ugi3jcip4sywOc"
    "3smjw5VcIZ3t5lihMX4QBhoxapfXrOAsNJGLnfzXITak7L4MiGfI7CNTRN/GrAgHOoPUOV"
    "eu4UBJytp86h9F2gmMT8UwyDNOm654lj6/wR0v1x+oJ5eHkN/TNdhYxtsu5jZeLnSDoNGQ"
    "Qm1p6dLAHvTX1/o3AkcudIPP6Was6shqoVzfD8SYCb7laMkXHtXjSXytnFByJbiI/xznnz"
    "nwfXpTyM1Tt0PShZo3s/A5gj+yRV/SjOF7k8uRcZntyLpCc3kP15YQ4o2gdxLQcjpe6h3l"
    "uTr2EvXF0O0CaG8cn5PMtkrPav+oPfiEvT09NmSLq66t9PyTVlPocbi1z7nwdpLA2ngyG5"
    "/KetGAqyNMRLFiu2mU1WreJ0H05A0QaJ07T/hph/a6zzzRlKe9bJnBE6cS5ngXM5j1NRnr"
    "NhXrVW7p0GXQzWGJUAlgGsspVd1Zll1iPF2KVgGyWMi4idBU1+Fs9KRIQbgPVFBJbOl4Oh"
    "NP7Gls+XjIDt5bdpX4orL9oTwgqIUWizW4SoknWxhRvewuIj8GwlUN4TcY2SijgGLw5uzq"
    "t4uv7rO0VbPeovnXQPt9eim8fHvQ41zuXlDnub/2YCl95zNEMD0gSmjb5akW1XxEJSGcc5"
    "HNRTnuMcICK/1DkMjJQ7Id0IN7RwQ5/Mju2K1bKlbhZyGXntefZglPbKnefyyp1neOXO4w"
    "rBRjcY+KYOWq85z5U8jzZWTTi3Dc1KCZfk8L+F6Hkev53p7QRLlZU5Q1gtGU/pV7rHk14b"
    "0uRDpCPIh6fNNqFRtIZGmIZnVvDk4Ccn3ZYd+h4tz1h37qXJ5OtofN0DG8U0t7qhztBIep"
    "h+OesBnfyCMz4GPJYjBuuUwXTXckDBNQNogQQXelIZwdK/k3o7n/FchdbPEM2NHXH9V7D7"
    "oA4P9KJw3YrFEepW4HXtcvR7MzGwWjblhCyoAm7+EFWDTn5PMz9ZH7+tqfKzstJUptqTZY"
    "bGKVvkk2648jvN7baLugHCVK3Jsm8Y+YiHJoF+jmK2IdoW+lNPxH+aax+LU6+oeOmpOF0b"
    "QveivBQvnGjVDCMLUklhGqcVmy2457Rpz0mhu7LMjpILfnPPb7FlsXGHQ4Bg2VkWJhZzjO"
    "c5Rgq02gYsss86TMKtBdj5TCvP0nC6CTQEFHI6W7GT2KreEmPKC2iR2sjFLG4WNbe4c255"
    "i93Y6QxpVxaTOOGizVxnrG08nXAxoueB9skxoB1G4lr4djcra805V1SGfsu9KWsS2Njm0t"
    "uauDHgs6bbJjAg9Wz06NnR86WCEMSDgXyhfTtVuLaaAQHJWErmr1XX7QEHWoiMtWNmrLns"
    "LeLEDJHwHB/mKgrpTfW8GPsELUS4+jx2MrqT6KaX2vPai5NJD6ioJ5TutqlfnG8dwNLScq"
    "sysNSv8O1M9QuvX1Z4j9Ze9Sud78zqM3gwPEPD2RFA+p+vNHLofagSQ7wAzV+dAIIIuZsJ"
    "TkjwP/iCVTTTxNd9sFwM3Nfx5lCHNsY/in75UUj1ei1614FuoHSNiqT+6YaDEHPFz5f/GO"
    "qCZx2gc/UwmY7u+uMe8D7NkHTTH057gP6bocm3ybR/1wPO/xnq30mD2x6g/3J67uo+2tnB"
    "u2hacIysdUUpalGFH3WVkRuWHvjx2vM8CbiN+WimjB9NktcZFl5mBmSMUpQ6KJAGmVzwCw"
    "gVJnEb4p11G4HCHkmHvl32CGPpxlMFFSwuwqBsUdZxZVFOFyb8FAvbSKUgjtIKkBkrRtLm"
    "ywkxg1LsxmQgzOHO7BYgnPAMsYd0Eu3PugG1J/Qr3CUs4Ri4nncn1t2Jgf3DG1Xe1UCmkY"
    "pBnmuGNZ3xB4wAdJTNK2lyJV33O6ljuwKoR7HuWgo1Y17vhzqsNFQAteT1c1rLX16IGSpW"
    "BGL8HmD4cHvLxNjVGqqRHV5PrcY5qmelIH0k331YfLOc9zHxnuG9j7es3nvvDRZ9A8mp67"
    "Jrku9z3LOKyPs1VLeKZpG+TI0M1UO8+WSqZD9VMUkdNAijL1HvM6NjL2RR1/vYUCaXiJDw"
    "pBl2MyIkp1eXuPNVGkwHw5uCfnePrAfcD6Q08XTwW78HnP8z1B9ek4LE9B8fwZDMjKD97D"
    "lKdlBnq6lPTsmKQuwZXN/0p+T4SkLtR6b8E1OOzwxXlJfxasZIxYYNfpJak27MpKrBnH4p"
    "HgoWcSviZXXHDLC2IJN0kCTaGee0hmjEQa3ZIcsSaWVRRbmgzEsQC6nHs9RTPH4ZcLPalW"
    "N5Wh+C8zxzfqEZpiX7hejLnKfI6EDwnGeekyOSyiiyYTrBYZ45THeJe5krJTeZR8kFv3nm"
    "t+f0o4wjOSaFY9dMcpEhwEjDoDGUkkCziQXMzEQMOiRtRIAqMZYDwtZs5q94DBeGNk4mgE"
    "2crWUoyHkRPL/xzzPL5UFmdCPWYa7XYZH6+gpTX0X9i7ZxnTHZ3bdPRIQKHvkXoxKqX7rq"
    "V8qEEXmhIvP2eOqfOFq19nRmkWPbWI7tMRI/TxXgjJRPdv6yqwdUAG7bc5ejGlOOvGVHpF"
    "aA7NTvqJ3QRtaewmnKyQKcScgvXcrPv47hyheyKUIiWjekJYLiR53Z3AMVrje6BdF8N4Zz"
    "3YjmzKY26mYe5Ro0l42gfa7TXOfKagWNv5ngO9z1ALa1oPEMVfDmDydX9A/6/j+B7VJbOc"
    "exuu4tYNjI7JLid4heVpC5hQb7nNcansHMPzfnulP1Az9HVjU8vK1E2nmhdGVRS4/ca6KW"
    "ns+6vIl7PoFI1suRrBeaEAUwjlIJoHMAvcAPh8bG0IrVLIyRCahzQJ22FWKyxstNqthO3Q"
    "Jxypb7+dnHD764Jl+yBPTkTrq9ZZVkVzXFQaPAwI1Sta/WyrtcdZzeZdRxepe3jtOlhhRj"
    "x4Y5pZLT485yVPjTgjhLe3BTnf1oAsbxcjCUxt/YtZwuGanRl9+mfUlUuHmN0dzy55wd44"
    "SzJtX8U+dywr98nM3YX+HjUte/S5aFTW5mKftYi26W4b512uJBFzTOZbVbxg4oFjAhUjHT"
    "gQJw19ozNLB5vV3iG3P8ToD8Ymwzq2Cpb8FKx+00C1j4eWwrvYI+RSn7EzW/QwMwb1Q8oO"
    "A5sNh59/OjYkK1C+a6jfDbgIWhrwFd1MlGMHL2+RICkt8JyC4YZXekE5EcuwQDrDL07z3W"
    "jE/VIpOmMmBV23BiaOsiR3rFqHge4kdDtvBBhOIMwgPq0boCt9x+9hitsGK4028jIstVvJ"
    "hpKVlKUYywTVKrAQUpI4XFA7aCCLVrH1yHejwxjuSNVcdGIzvD4qhmnM+EdDsuzKf9hlx4"
    "nOSz5NxAPHijIO+IMKyTKsCCpvUT0J3A51bZYSPLOUYMqRsdY96jeit8wQ8AxDtI7DYLOM"
    "H6hGlX9UNmCJJfCdx1pQtsPBINSvqHC8XPmvpHeqTWewBpYOq2MWee7SGMRS6NxZPISj29"
    "ol8hW9CfEYVGeYSsRaZgwyfiljt7oIJDB5pyiUyXUTENllBRGbk7xwnr0vWpcBwySsUz/N"
    "zEz9t4mgwd26Q0EtVUuoAESMEC6zr0A1FmTOLFxhoPVOZLT3/JOfKbtviJc6/0OVg+cYOV"
    "BDdO6KBTkGf3/eE1rfTo0s/Q5OHqqt+n1R1Nez6HUIXqDH2WBrfk0oIeZF9GWtVQZNAZQU"
    "Vci2ESbvdjdyakGBQJ7mwVE7gxcGI0OE5yqB7JTY6wePLCZSUcYQxyEerl2RVmQMvYyTay"
    "NEZV1Wxex0iFz5NrRtMKK+WCYCzSFpk/lclOilPhoE2USkRuiutxrlOwVOQmTiuKifAsxE"
    "SW4atgs6gekr5mtbd6iBezKObyjlG1KSRbV72AcHCommBrP9TjiWGdN9gaG2dFg60Jj4a8"
    "0p8Y4YcCm4OTibAtgb7W/cHxEZsemQ4P6v2R6fCk2h+Z/rrEOidQSH4kidg5R0aBrYKRob"
    "Fi6m43u2TL7nxJ4r74M8kKph5WiJUZC38kycR4tprk6jqZc1zTMyrOQX4tMeXaTiyyjZTz"
    "cFI0JKPh828ai+Ccvc21l4w0S3VAOzfj5mXwcgWAjpE1GCYoGB8oD3c+tLPATg9OMjz+6e"
    "eexMj4OPqEPK81R584C0KR8R9QtFDWvDvLtW31LGPb6lli8G8M+KzptikXB5tB2gZPYvOg"
    "y+V3OGb3JByL/Lgekh4nDbMJi+9nRljkUtdXUEEpSmqYLr55HBPWJeg8BbbhzeOj0W2Eo5"
    "eDuHv+4e6yj+cgZSVupDkGMmPXELZH8O9XSdF/k6VYpQdMGKRtkHWNR008GEsETaKkQrTx"
    "LNpINk/pQ+sSxILXPPNaxMfSVcnTDJyIYvuvket5wmUnsUukTWEzUWa7TNwsd5ntPLEzN1"
    "tHO7Subnv3iNYaO5Mw9PNlhxEyc+90syJlStBmX3wsHQYRfeIr+oSnj1kwMBIiaaFn+Ozi"
    "Ik9Y5OIiPSxC7sV2QeBJVQBht3kL0a2lXCQ5qACy0mHSA04hkuaDTccxhisLKyVUrCZLFP"
    "z4f62RRvk="
)
