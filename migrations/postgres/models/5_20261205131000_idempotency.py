from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "idempotency_record" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "scope" VARCHAR(64) NOT NULL,
    "key_digest" VARCHAR(64) NOT NULL,
    "fingerprint" VARCHAR(64) NOT NULL,
    "status" SMALLINT,
    "media_type" VARCHAR(100),
    "body" BYTEA,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_idempotency_scope_3714bb" UNIQUE ("scope", "key_digest")
);
CREATE INDEX IF NOT EXISTS "idx_idempotency_expires_d7c672" ON "idempotency_record" ("expires_at");
COMMENT ON TABLE "idempotency_record" IS 'One caller''s key: reserved (`status` null) while its request runs, then its answer.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "idempotency_record";"""


MODELS_STATE = (
    "eJztXW1z4jgS/isqvtxsVXYqIS8zx11dlZOwGW4TSIEzs7PLllcxCvjGyKxtknB7899Pkt"
    "9t2dhgg3H0JQFbLZmn5ZbU/aj1V2tuTJBuvZdUFVmWbHxDuNUBf7UwnCPygXf7CLTgYhHc"
    "pBds+Kiz8pAVVGy/5KNlm1C1yb0nqFuIXJogSzW1ha0ZtKmWBHRjqmFgETly6T0YYH0F7B"
    "kCo0/Sj+3zC2A8sa+sTqBZwLINE03e0+onhkrq1/B065qWWPtziciDTxEpYpL6fvudXNbw"
    "BL0iy/u6+KY8aUifRDDSJrQCdl2xVwt2rYftn1hB+pCPimroyzkOCi9W9szAfmkN2/TqFG"
    "FkQhvR6m1zScHCS113sfXwc540KOI8Ykhmgp7gUqeQU2nnAYJrLUXpD2Rl1JUVpZVQhycR"
    "wtW9pBqYqpI8qsV+/ZQ+wo/tk7MPZx9PL84+kiLsMf0rH747TQfAOIIMnr7c+s7uQxs6JR"
    "jGAahMR8oMWrMkuFczaPLRjUrFUCaPH0fZw7S+MM/hq6IjPLVn5OvFWQamn6Xh1Sdp+O7i"
    "7AfaoEFeO+ed7Lt32uwWhT2AWTURhUKBdhLma3LH1uaID3VUMgb1xBV9733YBHjvQoB8YE"
    "J2AT35gRNqQlyVZ0Av9+66I1m6u6fNzS3rT53hJ8ldeqfNrq5iV99dxNTkVwK+9ORPgH4F"
    "vw76XQavYdlTk7UYlJN/bdFngkvbULDxosBJqHd6Vz3UIlpHrwuN1LaB1qOSDdT6gWjZwy"
    "RTzSZ6JvZwk5c7KlmCmt1eKbRcvpZ1aNnK0tpIz3FZoek6axoS6G2l0HQzLLJ+0nkA9rmM"
    "eSedyT994047GV5JfH8i6wRtin9GKwZzjzwSxCrioOotmLx6Dgze714H8q4Gb7QJX/zFT6"
    "RfkV9PfjOynbm5NLqSrrstBvIjVL+9QHOiRNCmd4y2Ebvil03emrfn8SsQkyeYuD+DPnQE"
    "d94K1lNIxtrVL7Ju0ZoOJ2cZ+RuxFlOItf9CJk0KoTnU9NbvYn25x/Wlo4MErulLS1+gnF"
    "Xlvs1oZF3ZPs+zsCSlUleW7F50acn+FwDYK99EfI+P8+B7fJyOL70XxXcBLevFIAazqJMk"
    "IdhExM/Pc/Xo84wefR5H3DT0lB7dxct5YmYQXVG5srvDOhjPCsDdkq7vev0OgJO5hsdYuu"
    "n2ZfLNr6mgGk4ucmjhJD6nDpRAb0V1oFkKGZm1Z44iLg2CMcQp42JYLqaERyJYlRa8MXO3"
    "S5vLweA2sqq57MkxjB/uLrsEewY9KaQ50zdv4Ax5CGfQVlS4gKpmrwpMRBJyu1t+nMYBP9"
    "33PCS2WmfYmMZyM89rShVi7V7ntbtwtKe/Ys11tC8Xkw21HpUUWq+L1jkvu/v0gdbD6/1i"
    "7jqOpPDarffaxR0sWzrvBrHqDgzsvD48Tmcr6sqLxestzqTclfvp5yHSfURTnKZRlklDYI"
    "+68Bea8g2ttgVqoZHefLATujUQWRZ5W8nQZ2vqN2RvCZXMKmkoVGTIWpACqBSMhm5lDcWK"
    "LZjmxL7A6bZ4XZGq7pyamgqWgZ+RaTEctgUrVFWD0Ko0iOWYd14Uyzf8GWEsZ4jJFchqSY"
    "C2MDkClPGh0ioAkQVPhgkgBuT3oqnJVPcPQOqxwItmz4BGPjiTB0etf7McfyEwtenMtnjM"
    "zIpaEazNekXVRMyn4piPiZ6010LBHl+igRiXH14gZqlwPC0sIyjHMYgF5bj5PrE8nlDBRX"
    "0LUQ7BRX0rmvZs8eOqmIc7IbeRf7tmii07SCwCCCKAsH87VV4AgW84SgA6L826ZvYiL8AJ"
    "YxmBlzwF6D/c3u6La31lYNtxLiX8VN6toyxHlRoqlMNRpS4t25gjk+7ihTjiGuJ5nNYVL8"
    "LUPgKcW682MjHUqWYElfsNUblrZksEk5vW3doNulX49MKGpEgnjoo1sCtXAfYzMjVSHQfp"
    "TPZwWGyH5GH/ShjsoluS9sMa1iFZok+UwrY5IdjAjl2FjRZe1XT0m+tVFfzSpmld8EuFe6"
    "jmYO+HXyrIgIIMWBpWggx4EGTAQ7F8lbIBI6MFx9caH03SHa7xYazcPBfCByqId7VYXlfh"
    "N7L05bQIvl55wQeLYZvkgzkzO6U4tTEhuEN/s/yzvBuX80k7D8WxnU5xbKfgrRpLbCOzgC"
    "1OCu5u7Xhca7scshPItkl7nGnSv0eDfoqtCMnEHTGaaoP/AV2zKkO29c+nJVYpbuBxqenk"
    "Saz3tNl/VdW/M/CkGEV8MF4/fncn/RLv4le3g8u4c4VWcBlXiWYjb0NEbvMdkinFAV0jC3"
    "6WZ3g8Sx8dzxKDozZB2NbslWIh1UQcV2Q60BzR5jn8P+ZB/GM64h8TiAtvfzr0h+n3Fd7+"
    "t6j1NG9/whedx0XKsnRtu7O8YXlL97n5/iAxckl52/v5PGpfE0HabTDigCFSbMhbCxWHSY"
    "bTpiK1t1jEYaIlghH7DEa4RosThgjMWXoAwg7KVJxiGy/nj+RenJj9Vyv4nbz4tGVDe8me"
    "ObROonWg14XpHCvlY+T+fvepvL7VYoXJb2NfWNfNbtJNd4OiT1BtmwtTM0w3LedOGtwZmq"
    "GFTsW/iDQzNcxVxc0QNU017GT7pBsNKm3MROTFsmxkKv6+hwpbK/fnWMvH/yB1ndZJo69u"
    "XinFlVBsczpvhdq56fUVeXhzpzzc33eH2a2GbVb+lkNSxVoXMdWdxlSdMSQ/sIGAINXxYi"
    "PuK5oANMMPH4g0MFJ9mitSfZoRqT5NRqrDT5ZAWibGhI90TKwBW3eyXIDdX+TsOJPvAbwd"
    "9G+84vHgU6x7+3PHZO9efz5AIL1D6PvdLwXRpyIdQP6M8eC+2+8A+neMyaB1PxzcDLujUQ"
    "eEvozxF6kn9/o3yqCvXD2M5MFdd9gBnIuRkvKn3vBauZeG8tdI4dD1MSb1D24/d687wPs0"
    "xkQtI3rF+U++S/2r7u0tu+R9bG3ypuaJwp+mR+FPE1H48BR8k/4Slt9hj7nrXvce7op2mt"
    "sB6TTkzxg78h3g/B/jT72bTx1A/47xw9A5bcL5T5Q3JIq/km6J7txPm6iu/BxR/tS/wEAW"
    "lmlegPMk10B2kjGQnSQHMmcDtzczS2CdzqdICApSRfZgtwGpYo5sSCfORfQSlhEqKV0lwe"
    "q9KBk0KdmA6d8OSKFxf8lGkIuNrsU2uvrpwYuzIGKiIsFYfVgPSbJLzPOZUHXGHse4oEgx"
    "lnTGPGmmZSvenjFlskQbvFCplYhXq86vFqmKqJC5nzfTO7cCofM66zz2qm79rgud11/n7D"
    "V93jDpbkRU6LnOelZ1Y7OUuxFBoeNa61gw/hvG/RaM/7eo9TTGP8fFgYqte2NSYtEr8mrv"
    "HuHAr1kI3riY6LwiJ1V9Upb7vbMEnPPvjKlZd86LcPxVTklZzhvvSoC34QnhY2N84XTwIc"
    "xVW3vWbK2cdGGSU1tjd8XtK7faQYIl9nythYhUDXW2Pnsyjfl2YIkDVjfcxeQbrdTdTGGz"
    "tm5XkwLDhdeeZyHPEIDLiWYD+rP1DjAwAqbxAhbIBOoM4ikRYueg2qTkM9TJoAoe0RMZEA"
    "HEEwCfyBDLPr3MDDDRJkCzk8dgVNbK+vxvkX0SLkSlbgYSmyF2uRmCQZOANR9X1ZOtM4W/"
    "dTXsSjIjCjsfxngkS/LDSLn6JPVv6I3o9zG+H/YGw578NSgRvzLG0mjUu+nTe96nMX7oB1"
    "eDz4zQfD/oX7uMZucjpVbL3WFfuqUP31Wka3afc3GMZenGu+9/dK4Ou3eDz9519wttj5K3"
    "neacT/lI1Q/31w5S7oe41dkPoVrse9jTvgdnGCnG0A1EBBE0WyEbEEHJ2E4G8Llzbtg2dp"
    "tbUb2NuL/FJNhXIjm7CiRnU8Ho60ju3hFjzv6PcfdO6t12APu3iSErf3tBBPVCcxmOpHCk"
    "Jn3UEZiKcqW5wg0YNXZAlxYh7HT0DzOYmSeEHVn65TRkERkRZ1sfDAoSq2zpP29cUqqjmA"
    "c90rWKHkdSvU/K9w2n+qTC3uO1PikzXLjKbP/C29Mobw/NAugG0vIupEMidV4i1HYZrVmK"
    "hp0jPTnxgKzDKWOS+z6fsnr8SzynkkxdZoa51So5VkWdO38j1scu3kUXbjExsWTLs2RzQS"
    "u8vTUuJ/a2ikNcxQo5ZYXsviwsfXdBym9SUjj8Ugd5N7X1RhBHZQXISZCFn6csVIWfZzd+"
    "njQbXAK8TaehJsedPDTfiCktAeXGc6m5g09h0m/1XkvK1Ex1WLo0zrW+Ststt5Y6N8AIkM"
    "LAwIzO5oh3APSJbfSmZTBKG/34pOmUxba0kAUgBkznVBg9I3MFqA/sEVooSZ6rsB1uDvPA"
    "uDMci+Yu91a2geUT/tY6DetHGf5WcXxrhQeMil1/Yu5/KKiKuf/u5/5iJ2WlOyn3MzEdLO"
    "1H47X7jNgPSExNw7czJ6cGK6ggv2SVUfRCk65LbfpW5l1/b7dPTz+0j08vPp6fffhw/vHY"
    "t63JW1lG9rJ3Q+1sZOqQIxo+gxijQgGQkEgD52iVxJr8Vywvxr5AAxEufxZcNFvz/jI174"
    "fUUQkVXwT00vt7swJ6iYn7fqY94RMgOdOe2AGR6dOe8KGU5U97fosc40jrV3WN+pLdFpnz"
    "Ksv9FRYv5zgx4e/apb/rrdGuBn1ZupI7wP2QTbqKO6IFzarpNKtHY8I5TSada+uVr3OnF0"
    "TbEuE/fKJtcoAvYFS4ws3jFJa/6BPrj3Tom7X+EIRCQShsFsicNV5OiDmSIsAo0uHuP4Qb"
    "93psz38rkvmtbmDnjTRyXmcR1K1RelzBnS0CseDOCu4sx3zznPUx857hrY+XLN9b73UWY4"
    "EwEVDcJfk6Rz3HoAQnnb9AzaZ1WRrtqtt47+mrkt1qLHOy+xDVthnteyUlQljfbOjoDxER"
    "qdPM8CgjIhK8FZsEQwLpHTrcv0g9ude/Keh398Q6wP0wxtKV3Pvc7QDn/xh3nSSY7F89gi"
    "GZDKD16tkLG6j1ok2mDs+zkHp61zdduQMcaT8BgL+Ve//KECcAv40jz5JTDe7rl+Kh4Ak3"
    "Il5WdcyAzBbY4clJtNPJYmEZkdE1O2S5AY0sOlEuaPMSwsLq1dnqQU9fJlroq81UnlaH0H"
    "ydNS+OaH57OkcEwk0msmE5oeE6a1iHVsBcKa5ojrjQd5317Tn9mOIox6Rw7JorLhgCHBoG"
    "i6FsCDRfWMDMJWKwLrnEFKgN+nIguDuSwPGBgOt0w8LQxsUEsIleK6iPb5D6GD32vojWo5"
    "JC63XROmfSlThOMxbczWtDo1Ji6E8f+jeawgpeoGBe7g3h/aQkaqA5yKCzCo7lzjiW+yD+"
    "HSrAGZQ/Pn/VnQeUAG7TuavRGVMO3uruk5YdKLTpOcvy0FRD3FHHVcxhkhU6Uz6aJ6Ihhq"
    "LSM+V7EzRfGDbC6mqIVMOMciZTCx1l8Xq1oLhiBuVzZchVoa4j828W+IZWHUDWWsh8RhPw"
    "7g+HK/gHe/4fwMtM0xHQbIsUIcqzbGAusXVEk9pidhli6wWZ/Oy4FbTB5R9bquFkeSDtKB"
    "ONdG87QTsuRFcVudPovV3kTvNVl5e45QsIslYOslbohSiAcVRKAJ0D6CfSODIXplYsR11M"
    "TECdA+o0KvxoToabVLOdSoE/5JX7afvDhW+u6ZcsAz26k25vk56QOZpoMCPVEh/OqFTzcm"
    "2c5Mrjc5KRx+ckbx6fSw1Dc8WHOSWTz+PKdqbwhwVx1uzBpbr60QSC42WvLw2/8nP5XHKo"
    "sZdf5a4kwnxvkVWDXhcaqW4TplxEcjdq3uU0/9C1nPAv72czroRMTZ21OGt2985R1kIdBm"
    "Vqkx/8rSxwK9uSSbdUcyMb6bOmkEgDp/rt8/MccyZSKuPM0/PEbj7yUhVA2C3eQHQrmZGm"
    "HuSevpcr/SB3kfu7s2bT1l4Hs+//By+DAlw="
)
