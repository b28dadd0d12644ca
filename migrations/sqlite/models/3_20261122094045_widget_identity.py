from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "contact" ADD "verified" INT NOT NULL DEFAULT 0;
        ALTER TABLE "contact" ADD "claimed_email" VARCHAR(254);
        ALTER TABLE "organization" ADD "site_key" VARCHAR(40);
        ALTER TABLE "organization" ADD "identity_secret" VARCHAR(80);
        CREATE UNIQUE INDEX "uid_organizatio_site_ke_de02ce" ON "organization" ("site_key");
        UPDATE "organization"
           SET "site_key" = 'pk_' || lower(hex(randomblob(16))),
               "identity_secret" = 'ivs_' || lower(hex(randomblob(32)))
         WHERE "site_key" IS NULL;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "uid_organizatio_site_ke_de02ce";
        ALTER TABLE "contact" DROP COLUMN "verified";
        ALTER TABLE "contact" DROP COLUMN "claimed_email";
        ALTER TABLE "organization" DROP COLUMN "site_key";
        ALTER TABLE "organization" DROP COLUMN "identity_secret";"""


MODELS_STATE = (
    "eJztXVtz4jga/SsqXra3KtOVkJDOsltb5STuhGkuKXC6p2eYchkQ4I2RGVvksr3931eS71"
    "dsYoPj6CUxkj5JPp+sy9Gx/KOx0mdQMz8K0yk0TUl/gKjRBj8aSFlBchEXfQQaynrtRdIA"
    "rEw0ll5hCWXsppyY2FCmmMTNFc2EJGgGzamhrrGq06IaAtD0hYqASexI0EcwQNoLwEsIRr"
    "fCL83WOdDn7CfLE6gmMLFuwNlHmv1Mn5L8VbR4dU4bpP61gaTiC0iSGCS/P/4kwSqawWdo"
    "Oj/XD/JchdosgJE6oxmwcBm/rFlYB+HPLCGt5ESe6tpmhbzE6xe81JGbWkWYhi4ggoaCIc"
    "0eGxsKFtpomo2tg59VUy+JVUWfzQzOlY1GIafWVgW8sIYs9weSPBIlWW5E3OFY+HC1g6Y6"
    "oq4kVTXZ3S9oFX5pnpx9Ors4PT+7IElYNd2QTz+toj1gLEMGT19q/GTxClasFAxjD1TmI3"
    "mpmMsouFdLxYhHN2gVQplUP4yyg2l1YV4pz7IG0QIvyc/zsxRMvwrDq1th+OH87O+0QJ08"
    "dtYz2bdjmiyKwu7BPDUghUJWcBTmaxKD1RWMhzpoGYJ6Zpt+dC52Ad4J8JD3upB9QE9ucE"
    "a7ENvlKdBLnZ44koTeHS1uZZp/aQw/QRJpTJOFvoRCP5yH3ORmAr51pFtAf4LfB32Rwaub"
    "eGGwEr100u8NWidlg3UZ6U+yMvO1TifUQS3gdfi8VkluO3g9aFlDr78RLzuYpLrZgI+kP9"
    "zl4Q5aFuBmu1VyLxfvZU0xsbwxd/Jz2JZ7usqeVgj0WM413fSbbJ90voH+uYh5J53Jzx9i"
    "p50Mryi+n8k6QV2gL/CFwdwhVVLQFMag6iyYnHzeGLw/nQbkhHpPtKE8uYufQLsid0/uGW"
    "Jrbi6MroRrscFAnijThyfFmMkBtGmM3tRDIW7aaNSquQqHKIjUYGbfBq10APe4FazjkJS1"
    "q5tk26I1Gc6YZeQfpLdYKEj9r8KsSSK4UlSt8SdfXx5wfWn5IIJr8tLSNShmVXnobjSwrm"
    "y2siwsSarElSWLCy4t2f8cADvp64jv8XEWfI+Pk/GlcUF814ppPumkw8xLkkQM64h4q5Wp"
    "RbdSWnQrjLihawktWkSbVWRmEFxR2bb7w9obz3LA3RCue51+GyizlYrGSLgR+xL55eaU0w"
    "0n5xm8cBKeU3tOoFFBH6imTEZm9THGEZc6wVhBCeOi3y7khAkxLMsLzpi536XN5WDQDaxq"
    "LjtSCOP73qVIsGfQk0SqNX1zBk7OEL5vhnCznu3o9aAl93pVvB7DMNi197zuX6jk4xliLD"
    "ndsJ1uCK8MX8k6DELZvTGws5IPMY0tLwcR2mg0Y2YTtt3nL0OouYgmsD3B7fGawB7kHteq"
    "/ABfXgvUWiWt+c2yyFsgMk3ytJKhD6vTB4hfCZXEMqkpVGTIWpMEsBCMhnZmNcKqVIrUeg"
    "bjOFL36UwhSa1+IBNN2hAALWF2BOh+4pRmAYgtmOsGUBAg9wsXBnPxPwHJxwRPKl4ClVxY"
    "PbzJ4v5mWqtRYKiLJTbjdD8llcI1QdXibDmjWDKjaMC5+pyLSnQtaohx8eQV6ZZys7V+Gy"
    "5oC0HMBW31Jy6y0FVc6fQe9C9c6fRePO30xZOXfDRkxG4nErJiji1mWs1ZXs7yVgLswlne"
    "+I6jAKCzivgq1l9kBTjSWQbgJbUA/ftu91BKvisdYYtcivBUTtRRGlE19SXKQFRNNybWV9"
    "Cg74gpKEANxTFO25Ln0QEegZioZwwNpGjUM1wo+I6EghXrS7hOkObd2A+6ZXB6/o4kTyMO"
    "mtWwKZcB9iM0VJJdDNKp2jS/2R6laW6IH+y8gvfDaNI0hSzRZ3LuvjliWMOGXUYfzVnVZP"
    "Try6pyEWDdvM5FgJweqjjYhxEBcsUWV2y9CqsyqbDAEx3Dh4Wf+GRSLNzVFPumK+epuDiq"
    "EkugMtb2prZZ5MHXSc81OyFso5oda/SV88vPIoZ75ASlL9J+aMGTZhYZWjNZhtZMwHuqbx"
    "CGRo6+OGq4v/n9caX7ZV8/ATEm5cXMk34dDfoJfYXPJrxYVqcY/A9oqlkaso1/zTdoSnED"
    "k42qkZqYH2mx/y6rfafgSTEKrJOddvyhJ/wWbuJX3cFleAFMM7gMu0TF0BGtZ+6+fTaFkI"
    "QV6sHPsgyPZ8mj41lkcFRnEGEVv8gmnBowhi5KBjrGtH6k7EUWxC+SEb+IIM4Z2WTo3yY3"
    "xxnZ9+j1JEY2whdmobHYOR2vfUWzZieXHfIt1jeJkS2ceiVGPo1WHUHaL2H8hiGSsRK3Fs"
    "oPk6Qs6oRUmXyx3a5imGKvxSVzxNhLU/I5iGizmpC4sL7xR8O7z7htHhMreMPq7JvK0jzg"
    "89qwzv53MbLv366V07AaLDG5N/aDtdr0Iu1X+2GwBuWWuTZU3SALo70VuDc0fXPRku+IFL"
    "PQjZeSizEgaesmhobsKnpLLI0qgosrwNxM/gOn2xxBCn22j7WQbQsZG4tVw1fOTacvS8Ob"
    "nnx/dycO00v1dyPZS/ZZ5Sud70TtdSfK6tazA+sZcLlIHKNsP6IRQFPYS8+khvt7p5n290"
    "5T9vdOo/t7/ppFkJZIZxKPdMisBqL0NOJE/E1KZ+dd3qQ76N84ycOUfah5u9O5aOvefq6q"
    "Z71H6Pvit5zoU5M2IH/GaHAn9tuA/h0jMmjdDQc3Q3E0agPfjzH6JnSkTv9GHvTlq/uRNO"
    "iJwzaICQyklG47w2v5ThhK3wOJfeFjRPIfdL+K123gXI0RccuIhlj/yW+hfyV2uyzIuWzs"
    "8qRm2bs8Td67PI3sXfpnxbu0F7/9HltMT7zu3PfyNprugDQa8meMLPs2sP6P0W3n5rYN6N"
    "8xuh9ap/Ra/4nzhsTxV0KX+M6+2sV1xZ9+4s7Gcwxkfpv6bQudZBrITlIGspPoQGa9mujM"
    "zCJYJ+9CRwz5VnT6YLfDVvQKYoVOnPP4xW/DXVK4S7zVe14JXdSyBtO/PUjpwnzJTpDzV7"
    "jyvcLlnk6af+84ZMqPzqnOXnFUIjBXDRPLjlxfnm3gDh5PzIT7vsq+J1kRFzJ+dDe/x2bA"
    "fV5ln4ce1Vc/69zn1fc5e0wfdzzvMGDK/VxlP081fbfTDgOG3MeV9jEX8tZM0smFvO/R60"
    "lC3pg1OMz5DeegFT/SlB9pun+EPeItF7xhM954+XEg1Tkt1m2dBeCcXfBeseacFeHwo5xw"
    "WmzceFcAvDU/izc0xuc+ideHOf3KrYrVYk5qEazcavuyy6GOtXmTYPFXOQ70Kof7FCa+0u"
    "F/Tre92iEr/sRbz8aWlhAom5mKAb1trQ10BIGhP4E1NMB0qaAFMWLfVMMk5aOikVECTOCc"
    "9PBAQTOgzMmYwa6eljqYqTOg4uiR2qWVsv2cooAy3Yao0DciuPx8n/JzBk0E1mzqQMe2yq"
    "LpxtVQFCQmzbQuxmgkCdL9SL66Ffo3NCL4e4zuhp3BsCN991KEQ8ZIGI06N30a51yN0X3f"
    "C/WumYT0btC/tjWk1iUVs0risC90aeVFWbhm8TGBYyQJN068e2mFDsXe4KsTbv+g5VG5rF"
    "WcdZVNxnp/d20hZV+Ee53DSFi50vxASnNrGMmnifRMuPQu3SE7SO/I2E4G8JX1DZLX9Nux"
    "GVW7E3dF/Z6SX7B03IIl4x59H0lij3Tm7P8YiT2h020D9m+Xjqx4QXcA9VxzmRhLzgxGSd"
    "cATHnVqbHGNRg19iBQ5Xuyyei/zd25LHuygaVfxo4sYMM3jrbvbninS7ySEK7d4SlHIUo4"
    "0LTyHm1ePiflkp2JnJSfDt3KSRn+xGWeSs3ZnlqxPfS0KntnKOtC2mdS5SVCZZfRqimryP"
    "o8WMxuQNqHrkKWh/7WVfn4F/jNKzJ1WerGq1bJoSyq3PhrsT628c67cAuZ8SVbliWbDVru"
    "FwrDdvxtQv5BOL5CTlgh2w8LO2Y2p4Y1askJv8RB3j6CdSeIg7Yc5CjInOcpClXO8+yH50"
    "nqgwuAt+66yui4k0W3GuhKC0C59uLg2MEnt4q1fNaSSg8TCUtbl7iVq8R2uq3SuQGCgCQG"
    "OmJyNsu8DRRX2EYjTZ1J2ujlXNWoim1jQhMoCDCfU2P4CI0XQDmwiWLCqHiuxHJiD3L2On"
    "eGY94DnJ2Vrdfzcb61SsP6UQrfyj8zWOKH8PhrbHzu/1ZQ5XP//c/9+auBpb4aeJiJ6WCD"
    "J/qz+AjZDUQ/7uyLTp2c6iyhDN2Ulfm286W6eC/zrn80m6enn5rHp+cXrbNPn1oXx27fGo"
    "1K62QvOze0nw1MHTLshi8VhGCuDRCfSQ3naKXsNbmPWFaMXYMaIlz8LDjv+biHOxv3MKKO"
    "UqT4fEMvub3Xa0MvMnE/zLRHgIY6XcbNeOyY1MmO4qWpzDTnvcxxSuOWHqFhxq5skkdWn0"
    "kNx9Zmq5VJutFKkW60IkoZ8lDlQNhOXkN0y/n6QpIeNeUdw0Q9Kp/CbJvCHHQw+/l/Kkrb"
    "uQ=="
)
