from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
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
        DROP TABLE IF EXISTS "webhook_endpoint";
        DROP TABLE IF EXISTS "webhook_attempt";
        DROP TABLE IF EXISTS "webhook_delivery";"""


MODELS_STATE = (
    "eJztXf9zmzq2/1c0/mV7Z3w7TdK0fX5v3oyTuKn3JnbWdm63u96hCsgxWyx8Acfxu9v//U"
    "niOwgMBDAm+iWxQUfCnyOOzjcd/dlZ6QrSzLd9WUamOdN/INzpgT87GK4Q+cC73QUduF77"
    "N+kFCz5orD1kDSXLa/lgWgaULXJvATUTkUsKMmVDXVuqTofq9IGmP6oYmISOXHoLxljbAW"
    "uJwPRL/9fT8w9AX7CvrE+gmsC0dAMpb2n3ii6T/lX8+OKeNlj9Y4PIgz8i0sQg/f3zX+Sy"
    "ihX0jEz36/qHtFCRpoQwUhXaAbsuWbs1uzbE1mfWkD7kgyTr2maF/cbrnbXUsddaxRa9+o"
    "gwMqCFaPeWsaFg4Y2mOdi6+NlP6jexHzFAo6AF3GgUckptP4B/rSNJo/FMmg5mktSJscOl"
    "CODqXJJ1TFlJHtVkv/6RPsKvpyfvP77/dPbh/SfShD2md+XjT3toHxibkMEzmnV+svvQgn"
    "YLhrEPKuORtITmMg7u5RIafHTDVBGUyeNHUXYxbS7MK/gsaQg/Wkvy9cP7FEx/708uv/Qn"
    "bz68/4UOqJPXzn4nR86dU3aLwu7DLBuIQiFBKw7zFbljqSvEhzpMGYFacUjfuh+KAO9e8J"
    "H3RUgd0JMfqFAR4rA8BfrZ8HYwnfVv7+hwK9P8Q2P49WcDeueUXd1Frr75EGGT1wn4Opx9"
    "AfQr+Md4NGDw6qb1aLAR/Xazf3ToM8GNpUtY30pQCcxO96qLWojr6Hmtkt4KcD1M2UKuHw"
    "mXXUxS2WygJyIPi7zcYcoS2OzMSsHl8rmsQdOSNmYhPkdpBaebzGlIoLekXOpmkGS/0nkE"
    "8rkMvZNq8osfXLWT4RXH9zOxE9RH/BvaMZiH5JEglhEHVddgcvs5Mnh/uhPIveq/0Qbces"
    "ZPaF6RX09+M7Js3bw/vexfDToM5Aco/9hCQ5FCaNM7+qkeueK1jd9ana6iVyAmT6A4P4M+"
    "dAh3ngXrMiTFdvWa7DNak+HkmJH/JNLiEWL1/yCjJo3QCqpa51/CvjygfWnzIIZrsmnpEZ"
    "RjVR5ajIbsytPzLIYlaZVoWbJ7YdOS/c8BsNu+jfi+e5cF33fvkvGl98L4rqFpbnUiMPM6"
    "SWKEbUT8/DzTjD5PmdHnUcQNXUuY0QO8WcU0g7BF5dDWh7W/nuWAu9O/uh2OegAqKxXPcf"
    "96MJqRb15POdlw8iEDF06iOrXPBHorzAPVlMjKrD5xGHGhE4whTlgXg3QRJjwQwqq44K6Z"
    "9Zo2F+PxTciquRjOIhjf314MCPYMetJItdU3d+EMeAiX0JJkuIayau1yKCIxuvrMj7Mo4G"
    "eH1kMiegex8Cx1ocpMIzTjoP51Oh6laCFx8qjdrsoW+A/QVDMLxsdjsVNcQtPalRRvbvt/"
    "jwqRy5vxRdQKpx1cRDjCfCBsthr6ppgvPKEL4U1ptDflwaQ2rKk6y3UehkdpBaebzGkR5E"
    "pe3tob5NqslYJcD1MKrjeF65yX3Xl6n+tBX1s+VzmHUnjM93vMo87NFzrOx5HujgzsrP5z"
    "zmTL60aP5MpwzIgLh+7zbxOkeYgmBCzCGV4tgT2s8K1V6QfavRSotUpm89EqdHsgMk3ytp"
    "Klz1LlH8h6IVQz1klLoSJL1po0QKVgNHE6aylWzDReEfkCH1+K1yXp6tbuqa1g6fgJGWaS"
    "bygXWIGuWoRWpQFkW7zzIsie4E8JIdtLTKYgcqcP6AhKF9BsK5l2AQgtWOgGgBiQ34seDc"
    "a6/wakHxNsVWsJVPLBVh5stv7FtH31wFAfl5bJy4quaBSRMd2siLaIt1YcbzXQQn3OFWj1"
    "KFqIcfmhPSKWcseygzQi3T8CsUj3b79PLIsnVOSBv4Yoh8gDfy2cdmXxwy6fhztGV8i/3T"
    "DGlp2gIQIIIoBweDlVXgCBLzhKADrrFoeGyYusAMeEZQhe8hRgdH9zc6h9Dpc6tmznUsxP"
    "5d7qpjmq5ECjDI4qeWNa+goZdAc9xCHXEM/jtK95nl0SXcC59WwhA0ONckZso3hF2ygaJk"
    "vELgrad6cedKvw6QUFSZ5JHCZr4VSuAuwnZKikOw7SqZn7QbIaE/e9K0Gw+Qtk0zL2NUhM"
    "dEXKLZtjhC2c2FXIaOFVTUa/vV5VkV/aNq6L/FLhHmo42IfJLxXJgCIZsDSsRDLgUSQDHo"
    "vkqzQbMLRacHyt0dUk2eEaXcbKrTEjfKAi8a4R5nUVfiNT2zzmwddtL/LBItjG88FszU7K"
    "n9oYI6zR3zz7bVaPy/nkNEuK42lyiuNpAt6yvsEWMnLI4jhhfbbju0bL5YCcQJZFxstVTy"
    "NI86IiGsWm8v8sNlimuIGHjaqRJzHf0mH/t6r5XXdtDVO1kLshIrP4DtCU4oBukAR/n2V5"
    "fJ+8Or6PLY6qgrClWjvJRLKBOK7IZKA5pO1z+H/KgvinZMQ/xRHHD0QKO1GSIrAn0Avs92"
    "MvIi3J0B+nz11EWl4j15MiLbE4QBb3NKtO+NJd/S2r13zIwgdHiZGTEPlyH6ubVtlGkOoN"
    "BB0xRJIFeXZofphm8LGtSB0sDnScaIlAUB64tuhhqes/JISVta6+WD34anc3cHprE2pVhs"
    "8cUc8JnPmLQHLIzPLbVHwgA96sHsi96FaCPzv+7+RlVJgWtDbsmQPWJe0DPa8N+xBCDyPn"
    "9ztP5U6vDmtMfhv7wmZw+pBOgSYUfoJqx1wbqm44RZxrGbA2NAPmYcW/iAzzqBu7iochbH"
    "pUsV2JmG6NqXQwA5EXy7SQIXk7dSocrdyfY24e/o3kfVwngz47ldAkh0KyjMdVJzDO9XAk"
    "zSbXt9L93d1gkj5qUGZlHzlAlW90kQVQaxaAvYZkB9YnEGmgvGie84rGAE2JHPkkLcytOM"
    "uUW3GWkltxFs+tCD5ZDOkZESZ8pCNkLdhsluY4Hfx9lh4Z9fymN+PRtds8Gi6NTG9Pd4zP"
    "7v2nyfjUNUI/GnzNiT4l6QHyZ47Hd4NRD9C/c0wWrbvJ+HoymE57IPBljr/2h7Ph6Foaj6"
    "TL++lsfDuY9ADnYqjl7MtwciXd9Sezb6HGgetzTPof3/w+uOoB99McE7ZM6RX7P/neH10O"
    "bm7YJfdjp8ibmiVv5Cw5b+QsljcSVMGLzJcgfY0z5nZwNby/zTtpbsZk0pA/c2zT94D9f4"
    "6/DK+/9AD9O8f3E/tsIvs/Yd6EMP6yf0N453wqwrryq5p5qn+OhSxI076w8EmmhewkZSE7"
    "iS9kdskBVzOLYZ2cARQjFGlA6YtdgTSgFbIgVZzz8CVII1hSOkt86z1v+nKcsgXqXw1pzF"
    "F/SSHIxdbsfFuzvYL2+XNHIqSiJF5zckXiKUIRz2eM1Sm7cqOEoihe3BmzUA3TktxdjpKy"
    "QQVeqMROxKvV5FeLdEVYyNzPxfjO7UDwvMk8j7yqL37XBc+bz3P2mj4VLBMdIhV8bjKfZU"
    "0vViQ6RCh43Ggei30SLcuYF/skXiPXk/ZJcFwcKJ/dG6ESRq+oBF8/wr5fMxe8UTIxeUUV"
    "teYU2fdmZwk4Z99P1LDpnBXh6KucUGSft96VAG/LjzCIrPG5DzAIYC5b6pNqqeUUuOvbvb"
    "V2L+GhqgEeJVhip9xeiEjXUGP22cLQVy8DSxwJXHAXkye0EnczBcXavl1NEgw23nsCy2yJ"
    "ANwoqgXoz9Z6QMcIGPoWrJEB5CXEj4SIndxrkZZPUCOLKnhAC7IgAogVABdkiWWftksdKK"
    "oCVCt+cEtlo+yvWBjaJ+FAVOpmILEZos7NEAyaGKzZclVd2ian8HcuJ4P+jCUK2x/meDrr"
    "z+6n0uWX/uia3gh/n+O7yXA8Gc6++S2iV+a4P50Or0f0nvtpju9H/lX/M0tovhuPrpyMZv"
    "sjTa2eDSaj/g19+IHUv2L3ORfneNa/du97H+2rk8Ht+Hf3uvOFjkeTt+3h7E/Zkqrv765s"
    "pJwPUalzmIRqse/hQPse7GUkX4auTyISQdMZUiARlKztZAFf2SfdvURucztqthD3tpj4+0"
    "r69q6Cvr2pYPptOhvcEmHO/s/x4LY/vOkB9q+IICt/e0EI9Vy6DIdSOFLjPuoQTHlzpbnE"
    "LVg1akiXFiHsZPSPM5iZJYQdMv0yCrIQjYiz7Q8G+YVVXug/b10pr27Egx6aWnkP0KneJ+"
    "X5hhN9UkHv8V6flBFsXOX5FMLb0ypvD62d6ATSshrSAZImmwiNNaNVU1KxfQgtJx6Qdpxq"
    "hPLQJ6pWj3+JJ6sS1WWpGy+ykiNdNHnyt8I+dvDOa7hFyITJlsVkc0DLvb01Sif2topjh4"
    "WFnGAhOy8LK3qeM+U3TikcfomLvFMQvBDEYVoBchxk4ecpC1Xh56nHz5Mkg0uAt+1pqPF1"
    "J0uab0iUloBy63OpuYtP7qTf6r2WNFMz0WHppHHu9VVaTru9qXNjjABpDHTM0tls8h6AXm"
    "IbvWnqLKWNflyoGs1i25jIBBADxnNKjJ6QsQPUB/YATRRPnqtwHG4Nc1+4Mxzz1i53LVtf"
    "8gl/a5OW9W6Kv1UcOFzhkbhi15/Q/Y8FVaH716/7i52Ule6kPIxieqWvyMMPnhD7ATHVNH"
    "g7VTlVWEMJeS33qqd9IOurlWoRjgObGjBqgHUL7JAFlpBwVgGWrTnSVFc6Q8y4AvqinvbH"
    "7L1DM6Qf5CqLlDnfqe6YSwG8UB9fiw74X6enZ2cfT9+dffh0/v7jx/NP7zw5H7+VJvAvht"
    "dU5ofUmJfsw0hYZo8gLNkYTTH6PmQFOUrXQrDL37AREDa55EmYrk2aYy2iJcN5LMkbN5LP"
    "Y6lh48Zhkn0q2aJBFAidU00iGXiP4EWwN9MNWt/GGLjTdMgRN8m4B0jEhH8B9CKzIVn4ty"
    "uzIebBOJD9hzSV+t07POPPvddNs/yYqUUNWr9tptCEb7PZxpqOgWqZYAt31FCjkQRlY9BB"
    "PIONH3oo2A83tOC2YE7+JydqFw0wCIuvkRbf4d3X+9WG44vF+PgG342sBl+QpoXGXvmWtS"
    "d0cgmSIFWTDT1WZ0XfWA/6MwsOU2+cLbRl8vsBrfETk/GHFznCqVSnU0mY2cLMfh2oCzP7"
    "YNDTU2QLb2TyiGvcG7NGWKEA5lxv7wajq+Hougcc+jm+GvSvekBB9iRqwC4lYrmt1hanLE"
    "5yqnmApD5t592RqOkYPVuSA1EBNxKHvB5fUp2m0ZG4jlyQUnfFaNC0JGQYvAU8eRdymKoN"
    "287q3ocsPLXJIq1dnlpx0Eibuc4Rsl5d3Qb456fyEikbDSl/1R86HB996H43zU9vui2lfz"
    "tNs7nptQ2tUg8IUc9OnyJLBzA13SK3IJmqShc87Gjd21UXbLClauQzwl1WDXepb4FqgS3C"
    "nKK7pfe+P5Ur0XV/2MTyw3rvK/HrJPvpmepBOZxXgoYIj0eAMqcnLWIemdjgDQ1TeW8loE"
    "/9S0b35/HK1viSemy2eIEZMLkfjZgZbmwwts1wAiYxw3WM5vhzf3hDywQvoErmQTPM8qWu"
    "KflCPT5Fo1lBX8a1ocvINF1uAN2wlx1Lp5eyRiDCHDj9lIUFp5+SeUDvRSJuCJpIQs9rlb"
    "xuBVROHv3xyM1Xac0TeWYUsy/ClILNjWbzQsWquSzE5wipOI22yXwWzrnDOOfIMs47Wikl"
    "hcKlaE1AoYbUiIa4SK6QBndImWxwh5/E6N7tpm5gs9tJhtMwk3OENAb6AkDgUNt+jO0SWt"
    "QxoZpgQXTLN99/oN33X7rMc+FcV+jrudc7Um733IxHxxdEumBPQO7TArSxHXDhZtTq2phi"
    "71tDMyEdZmW13JzmTTbbGpOk5LwAWaF1mjcZ2s5XKk6o65VKGyI74IO+icujLHBXUlrTEU"
    "k5tWSf6ngsIcKJoADv2QfOkbeTObvJVOqyxHZVIQJdtXav0FV4bBlTrT9CyVEEuBIxm/N2"
    "w9O6jyOTKuDCvR1O2dFvK9U0kdK8LCsi2gsIUZ9KpAA1WSyKHLqyt7oIt43IqWqYYXOc2T"
    "VZcqqEM7y9y1RDXIRDTIxarAzYOQscJ2HofjfNTajaLf0jG7I5ClfINMmjAQPJSH1CCvPc"
    "QQzsraf2ofRdAE1q/kHDoE26znnixDp/QGx/nL7gHl5eQf9cVyFnm6wzrET9HHGnIYfAJN"
    "qznSXgPqnnbxSOxMY5Eg+/pbphVkPZimbw/YmBm+xWjJA12r1oLuHp+QcqW6iP8dZ+8l+H"
    "V4U8jOU7dF0oebN7PwO4M/soVf0wzueZPLnnKZ7c87gn15f9WWH2KdoHcSUHIyXuod5bk6"
    "9mL1xVDtA6pvHR+TyLZKwOLgfD36lL09XT5rh/eTm4m9FrUJbR2qLX/nbfn/RHs+GIXv5j"
    "Aw2ILRU3JYuV2Mwmr1Zxsg/Hp2iDxKnbf0PNvxXR+WSO0p52MmeITpzLmeNczsNUlG/YNC"
    "9bK3dPg84Ha4RKAMsBFm4lR3XmmfUYGrsEbMOEURGxs5DZnMWzFBHhBGA9EUGk88Vw1J98"
    "48vnC07A9uLbbNCPKi/qIyYKiJFrs1uIqJR1sYUb3oLiw/dsxVDeE3ENk4o4RlMc3A2v4j"
    "lmNdUST3EI3u6mebft2mz5TnFYb8yl695ZG+hJ1TcmsRrY5qMeq78pLyHGiEwG+oX1bWcy"
    "bVUDsfO+eEc6lNXtCzYFC+fzIZ3PDnvzLFQBkiZb10U9RlWkV3qvelaMPYIWIly+LkBndx"
    "zd5HRFt72o7iaKqAv161jULyItLSeyxVO/grdT1S+yfllBO3ev+pXMd24En0yGJ2SY3pFr"
    "sqbSwsGBaFbqYapBcsfLIU5PbZy7JVmjco5JZghxV/z94YtIF03WATqX99PZ+HYw6QH30x"
    "z3rwejWQ+wf3M8/TadDW57wP4/x4Pb/vCmB9i/ZkQwHLzzlieKkLUusFeJKvygK5wsjORY"
    "kdu+yS9BY0NFqimRoZGBIcfCSw0WRShFuChHuCi+4OcQKlziNoRJqzYChT2SDH277BHO0k"
    "1elYQTPZI358QpRTQxLswcmMgoFkw4H3MfxGFaATJnxYjbfBkh5lA2+WyagyF8FEnWR4dw"
    "zDPEn9JxtHOfY38Z6e7IwP7pzqo959hzXmf+OfZJc7sEqMeR7loKNee93g91UGkoAeq+28"
    "9xLX9ZIeaoWCGIyXOA0f3NDRdjR2soR3a4PbUa57CelYD0gXz3QfHNc95HxHuK9z7asnzv"
    "vTtZ9DWilWslxyTf57jnbcTz8tC3ULVoX6ZKp+pLvPn0VUkfFZo0lwyh8ENUO2Z47gUs6m"
    "qHDZz3ICIkTdIMuykRkuPb29H52h/OhqPrnH53l6wHnA90e8ds+PugB+z/czwYXdFNHexf"
    "M4IhqRlB+9lzkOygzlZViBDPzZ7h1fVgRkuAUWovMuXtOj88MxxRXsSrGSEVVRuaVrUhZM"
    "LFVA3u65fgoeARtyJeVnXMgGgLEk0HiaOdUusuQCOK3aWHLAuklYUV5ZwyL0YspF6TpR50"
    "+WWgtbYrxvKkPgTnm8z5hWqYluRt5itSk4rTgeB5k3lOy0wUUWSDdILDTeYwq83oZq4UOE"
    "kpTi743WR+u04/xjiaY5I7ds0lFxkCnDQMFkMpCDSfWMDMTcRgU3KDDcQrgb53LvuEouAv"
    "fw7nhjZKJoCNzVqR+vgKUx/FKelt4zpH6XKePhYRyFk2J0Illv7kpb+QCivyAkXm5cEQFu"
    "XJqk9nFTmWteVYHiLx71gBTkn54+evOnpACeC2PXc1rDFlyFu1RWoJyM68jtoJbWjtyZ2m"
    "GqsqzjuD2KH8/NsEaZ6QTRAS4boRLREUP6vM5h0qaLXWLYTl3QTJuhHOmUxs1E098sNvLh"
    "l++0znfshQ05DxF5Me30hrKZvIoKdzvPlu5wp+Z8//C9guVQ2x4mUGIswzLXoYp9mlxc8w"
    "uwyxuUUG/+yPCsbg5h+bsm5XfSDjSIpKpnf8pOBc6aqilhq9V0ctNY91WRO3PAKRrJXtVG"
    "D3hciBcZhKAJ0B6AUZHBlrQ81Xsy5CJqDOAHVSKvx0RZabRLGdmAJ/zJb72enHD564pl/S"
    "BPT0tn9zwzvpR1FhSuklPpxhqvbV2jjJVMfnJKWOz0nWOj5p5cUTKvlkrSveMIjTtIeKyo"
    "qLMF8RbjQ8wMPJk3teq6S7IplyIUpxnHTTuBzzLx9mM+5X9LDU9R99+3TqDsd2j7Tophnu"
    "W7utBAONM1ntlrED0AKmfdQ7gIB0rT4hg5jX7LxMdlom/cXsCM2lvgWaTtqpFrDIeHwrvY"
    "Q+RSnzIzW/AxMwa1Tcp2hyYLFz8usDNOlZsrK+wRY9d9bQV4At6nQjkG6w+v00vw/QXRBw"
    "l/XYx5IDkbZdQgBWOPr3HmvGo2qRSVMasMrGsGNoK46tmAhshKrJU/xgyCLD0DmnZSbXI/"
    "UI2mAnpilUlRxdZwvcYvuZI7TCimmcfhsSWY7ixU1LSVOKIoRtklo1KEgpKSwusCVEqB37"
    "4CrQ45FxJGusOjIb+RkWBzXjPCYk23FBPu035ILzJJsl5wTiwRuI3SOiiE4KgYVM6xeg24"
    "HPLdwRI8s+Rgora51g3mN6K3omAwDqHaR2mwXsYH3MtCt7kDlG9FcCZ13pgg09BpuRfneg"
    "+FVVvidHat0BaANT3xgy92wHYSw20lg8iqzU4yv6FLAFvTci1ywPkbXIFKxlusdSo3IWki"
    "mh6HxdLpHZMiymwRJBhZO7c5iwLlufcschw1RNhr8x8fM2nibC5jYtjcM0lS6gAVKwILoO"
    "+0CVGZN6sYnGg6C8dPWXjDO/boufOvcKn4PkEddYSW5thw46OXl2NxhdsUp/Dv0cT+8vLw"
    "cDVt3P3MgyQgpS5vhzf3hDLy2gqiGliLSqoMicPYPyuBaDJI3dj9uZ0mJANLizhSZwYuDU"
    "aLCd5Eg5kJscE/HkhssKOMI45CLU22RXmIEsYydtsKVyqmruO6o8RCp8no1mNKuwUSwIxi"
    "NtkflTmuxkOOUO2oSpROQmvx7nOAULRW6itKKoU5OFmMgyfBVsFtVDktes9lYPcWMW+Vze"
    "Eao2hWSrqhcQDA6VE2wdBHo8MqyzBlsj8yxvsDXm0ZA0/ZETfsixOTieCNsS6CvdHxydsc"
    "mR6eCk3h+ZDr5U+yPTX5dE5wSQ5kfSiJ19ZBDYQoIMixUzd7vZpVt25SWN+5LPNCuYeVgR"
    "UWYs8pEmE5O31aRXV/Gc44rGKDkH+bXElCs7sWZjJJyHkqAhGTWff1JbBOf0XdYz4VMPhY"
    "/tJgs+XA6gI2Q1hglyxgeKw50N7TSwk4OTHI9/8rkXEbJmHH1Bx2vN0Rf2gpBn/vsULZQ1"
    "J6eZtq2epmxbPY1N/rWBnlR9Y0r5weaQtsGTWD/oUvEdjuk9Ccdic1wPcY+TSthExPcTJy"
    "xyoesagjhBSQ3SRTePE8KqBJ2rwNa8eXw8vglx9GIYdc/f314MyDvIWEkaqbaBzNk1ROwR"
    "8vsVWvTd5ClWyQETDmkbZF3tURMXxgJBkzCpEG1NFm00m6fwoWUxYsHrJvNaxMeSVcnjDJ"
    "yIYvuvketZwmVHsUukTWEzUWa7SNwsc5ntLLEzJ1tHfWld3fbuEa00dtYn0MvLDidk5tzp"
    "pkXKoN9mX3wsGQYRfWpW9Im8PmbOwEiApIWe4dPz8yxhkfPz5LAIvRfZBUFeqhwIO81biG"
    "4l5SLpQQWIlw6THHAKkNQfbDqMMVxaWCmmYtVZouDn/wM5alLe"
)
