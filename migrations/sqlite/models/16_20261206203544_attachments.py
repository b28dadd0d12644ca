from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "attachment_blob" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "key" VARCHAR(100) NOT NULL UNIQUE,
    "sha256" VARCHAR(64) NOT NULL,
    "size" BIGINT NOT NULL,
    "thumbnail_key" VARCHAR(100),
    "claimed_at" TIMESTAMP NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE
) /* One stored copy of some bytes, shared by every attachment of its organisation with the */;
CREATE INDEX IF NOT EXISTS "idx_attachment__claimed_c440cb" ON "attachment_blob" ("claimed_at");
        CREATE TABLE IF NOT EXISTS "attachment" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "filename" VARCHAR(200) NOT NULL,
    "content_type" VARCHAR(100) NOT NULL,
    "size" BIGINT NOT NULL,
    "image" INT NOT NULL,
    "width" INT,
    "height" INT,
    "thumbnail" INT NOT NULL,
    "uploaded_by" VARCHAR(40) NOT NULL,
    "uploader_name" VARCHAR(200) NOT NULL,
    "ticket_id" INT,
    "response_id" INT,
    "conversation_id" INT,
    "message_id" INT,
    "contact_id" INT,
    "is_internal" INT NOT NULL,
    "attached_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "blob_id" INT NOT NULL REFERENCES "attachment_blob" ("id") ON DELETE RESTRICT,
    "organization_id" INT NOT NULL REFERENCES "organization" ("id") ON DELETE CASCADE
) /* A file as someone attached it: its (sanitised) name and type, who uploaded it, and */;
CREATE INDEX IF NOT EXISTS "idx_attachment_organiz_b712f9" ON "attachment" ("organization_id", "ticket_id");
CREATE INDEX IF NOT EXISTS "idx_attachment_organiz_4c9c13" ON "attachment" ("organization_id", "conversation_id");
CREATE INDEX IF NOT EXISTS "idx_attachment_respons_5a5278" ON "attachment" ("response_id");
CREATE INDEX IF NOT EXISTS "idx_attachment_message_3d2f98" ON "attachment" ("message_id");
CREATE INDEX IF NOT EXISTS "idx_attachment_attache_7feb8b" ON "attachment" ("attached_at", "created_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "attachment";
        DROP TABLE IF EXISTS "attachment_blob";"""


MODELS_STATE = (
    "eJztXf9z2jq2/1c0/LLtDLfTJk1vH/vmzZCEpuxNSB6Q2+0uO67BIngLMteyQ9n7+r8/Sf"
    "5uy8YyxhhHvyRg68jmc6Sj801Hf7ZWhgaX+E13NoMYj43vELU64M8WUleQfODdboOWul4H"
    "N+kFS50uWXuVNVQsv+UUW6Y6s8i9ubrEkFzSIJ6Z+trSDfqoVhcsjScdAUzoyKU34B4tt8"
    "BaQDD63P3l7OIDMObsK+sT6BhgyzCh9oZ2rxkz0r+OnvbuyUb6HzYkL/4ESROT9PfPf5HL"
    "OtLgD4i9r+vvylyHSy2Cka7RDth1xdqu2bU+sj6xhvQlp8rMWNorFDReb62FgfzWOrLo1S"
    "eIoKlakHZvmTYFC9nLpYuth5/zpkET5xVDNBqcq/aSQk6pnRcIrrUUZXA/Vka9saK0Euzw"
    "KEK4updmBqKsJK+K2a9/oq/wy9m797++/3j+4f1H0oS9pn/l15/OowNgHEIGz2Dc+snuq5"
    "bqtGAYB6AyHikLFS+S4F4tVJOPbpQqhjJ5/TjKHqb1hXml/lCWED1ZC/L1w/sMTH/vDq8+"
    "d4evPrx/TR9okGnnzMmBe+eM3aKwBzDPTEihUFQrCfM1uWPpK8iHOkoZg1pzSd94H4oA71"
    "0IkA9ESBXQkx+oURHisjwD+nH/rjcad+8e6ONWGP+xZPh1xz1654xd3cauvvoQY5PfCfjS"
    "H38G9Cv4x/2gx+A1sPVksicG7cb/aNF3Um3LUJCxUVQtNDq9qx5qEa7DH2ud9FaA61HKBn"
    "L9RLjsYZLJZhM+E3lYZHJHKUtgszsqJZfL5/JSxZZi40J8jtNKTteZ0yqB3lKE1M0wyW6l"
    "8wTkcxl6J9Xk59+5aifDK4nvJ2In6E/oN7hlMPfJK6loBjmoegaT18+JwfvTG0De1WBGm+"
    "rGN34i44r8evKboeXo5t3RVfe612IgT9XZ941qakoEbXrHODNiV/y2yVurs1X8iorIG2ju"
    "z6AvHcGdZ8F6DMmwXf0mu4zWdDg5ZuQ/ibR4UpH+H5VRk0ZwperL1r+kfXlE+9LhQQLXdN"
    "PSJyjHqjy2GI3YlWcXeQxL0irVsmT3oqYl+y8AsNe+ifi+fZsH37dv0/Gl96L4rlWMNwYR"
    "mKJOkgRhExG/uMg1oi8yRvRFHHHTWKaM6B6yVwnNIGpRubTVYR2sZwJwt7rXd/1BB6jaSk"
    "cT1L3pDcbkm9+TIBvefcjBhXdxnTpgAr0V5YGOFbIy688cRlwaBGMVpayLYboYE6aE8FBc"
    "8NbMak2by/v724hVc9kfxzB+vLvsEewZ9KSR7qhv3sIZ8hAuVEuZqWt1pltbAUUkQVed+X"
    "EeB/z82HpITO8gFp6lz/UZ0whxEtS/je4HGVpIkjxut+szC/wfWOo4D8anY7FTXCLD2pMU"
    "r+66f48Lkavb+8u4FU47uIxxhPlA2Gg1DbuYLzylC+lNqbU3ZYqpDYt1d7kWYXicVnK6zp"
    "yWQa705a25QS57rRXkepRScr0uXOdMdvftA66HfW1irnIOpfSY7/aYx52bezrO72PdnRjY"
    "ef3nnMEm6kaP5cpwzIhLl+7Tb0O49BFNCVhEM7waAntU4Vvryne43ReotU5G88kqdDsgwp"
    "jMVrL0WfrsO7T2hGrMOmkoVGTJWpMGsBSMhm5nDcWKmcYrIl/Up33xuiJd3Tk9NRUsAz1D"
    "E6f5hoTACnXVILQOGkB2xDsvguwL/owQsrPE5Aoit7qAPkFrA5ptNaNdAEIL5oYJVATI74"
    "VPJmPdXwHpB4ONbi2ATj44yoPD1r9gx1cPTP1pYWFeVvSBniIzpusV0Zbx1gPHW004138I"
    "BVp9igZiXH5oj4gl4Vh2mEam+8cglun+zfeJ5fGEyjzwlxDlkHngL4XTniyebsU83Am6Qv"
    "7tmjG27AQNGUCQAYTjy6nyAgh8wVEC0Hm3ONRMXuQFOCEsI/CStwCDx9vbY+1zuDKQ5TiX"
    "En4q71Y7y1E1CzXK4aia2dgyVtCkO+hVFHEN8TxOu5qL7JJoA86tHxY0kbqknJHbKF7QNo"
    "qayRK5i4L23aoG3UP49MKCRGQQR8kaOJQPAfYzNHXSHQfpzMz9MFmFifv+lTDY/AWybhn7"
    "S5WY6JoiLJsThA0c2IeQ0dKrmo5+c72qMr+0aVyX+aXSPVRzsI+TXyqTAWUyYGlYyWTAk0"
    "gGPBXJd9BswMhqwfG1xleTdIdrfBkrt8aM9IHKxLtamNeH8Bvhpf0kgq/XXuaDxbBN5oM5"
    "mp0intqYIKzQ3zz+bVyNy/ndWZ4Ux7P0FMezFLxnho0saArI4iRhdbbj21rL5ZCcgJZFni"
    "dUTyNMs1cRjWJD+b/nNppR3MDU1pfkTfAb+tj/OdT4rrq2BtYt6G2IyC2+QzSlOKBrJMHf"
    "51ke36evju8Ti6OuQWTp1lbBcGZCjisyHWgOafMc/h/zIP4xHfGPScTRlEhhN0pSBPYUeo"
    "n9buxlpCUd+tP0uctIy0vkelqkJREHyOOeZtUJ993V37B6zccsfHCSGLkJkfv7WL20yiaC"
    "pFrk1y1WJUw3v6PmQ6VMl8a0NLwuSWdNxazaOOMJQ6RYKs/NIQ7TWH1qKlJHCzOeJloyzi"
    "gC1wZOF4bxXYFIWxv63svhF6e7nttbk1A7aK2WQIvg1WuJ6BgZNVui7XLshpnrSwhUDLCx"
    "ggYiH1kPUAO61WGlU15hFemWjqH2mlVfASrSAOV5G2wWBrDXS0PVWPs2vdWKQXyAR0zQZg"
    "FNSL7Scy/93gw08669+uZdJdbyt9d/BTay9CU9LxN5VGBNxjt5Rbf3nFVg/mwF7OTlJblL"
    "Gt3K02YHzJnO+Z0+/12+ugPPmzot1pjwin1hszP7OWERV/LTvPSfkrt1V6+Sew2xmcESOM"
    "b2eYhMOagy5YCKB9G0gzCNTD3Il3pAvQLUhGNACWAdp2sg3u9y4f0uA+93nFQP/T+8gz30"
    "p1SJ4VE0KZX6v87Ozs9/PXt7/uHjxftff734+NaXH8lbWYLksn9DZUkE/2TcXF+5ho3Api"
    "yf5tg7sk7qLJWNrlmc8lapg9tvLwt1JMFcQFqLUADNgEDCmYTTWtirKeLuGMyUBBE6KQ0E"
    "pIFno3HLcaTrFjGyBqoW5WfJuJiZiqjSnCCU++rz6M2BTZ9fPEdopIROyouwlyE/rDEqCS"
    "xnw3zMM5QfXA6lBDgJcMiRlR/bKJGElTtuabaB8JANEUlYOfYwVmhZdFrgRdQqjlJKbVhA"
    "G465pUWy/GKksnhpfbL6ksmcMoU3XZCdZjJnnhRemgMltk6FKJrk25V1amuNsCxEsmfCR7"
    "uMOrVTN8lxT4gbmzUZBzkkKyPgDonYHvavxseqUhtjQGaSjseiPIk6ijdAdmfr3CMIsEVG"
    "jgZmxnpLK9LSnBow3VoQtwFeqPTWdAsgMeS3IHgGbRk/Bsk5HMlasDEXydg5zGMmCNPUHj"
    "ea/AZcM85q4JUx/TecWWCum9hqOzk6prF5DQyiPIAN/YqM8EMo6pim8dAsIfJvoeIJQoYF"
    "ppC0dev+0ddTkZvc4xwQRfqiiUivvmFoPusz+MYkb6BiqNiInRbAUpu/vS6SCeQVG5R5Jz"
    "VbAtsgPe9EcCvvPrt4awZsBbkPC/Xs4oMIvAFFA4NA5Re7kMklreqTS/zwsGgZgARh8/ZH"
    "H0SMhNbVBNo7/CsRygb6V07EnyLdaNKNlsJ16fSRTp/jC9Bqq8/KTcdZ0B90g5W7l5bjtw"
    "l22ab7a6ygTanFLpPnASGiKpJ78aOAdu0IIrPVstk7l7QJZvcmJJX0+oQgjL7BYZ+5NnXD"
    "1K1tZQ+sDM1QeZcD/yLymCfD3B74MYRNTzpS2Nblg++HMyGZWNiCpuKftHXAp5X7c7DNHK"
    "A7uiQP/aG4aYUuhWKZT6tW6DnEhlXGw5s75fHhoTfMfmpYZuV/cohK7OnStVmla9NdQ/ID"
    "GxBIRZpXjdOdoglAM/yZAUkDHZrnubw95xnenvOktyf8Zgmkx0SY8JGOkTUgqT3LyO/9fR"
    "yx7xOVTX0b//Z+cOM1j5c7jQ1vX3dMju4eEQ0JgzA60n3qCqEf9L4Iok9JOoD8maD7h96g"
    "A+jfCSKL1sPw/mbYG406IPRlgr50++P+4Ea5HyhXj6Px/V1v2AGci5GW48/94bXy0B2Ov0"
    "Yah65PEOn//vb33nUHeJ8miLBlRK84/8n37uCqd3vLLnkf45HaXDM1T93n8/S6z+eJus9h"
    "FbzIeAnTVzhi7nrX/cc70UFze08GDfkzQQ59Bzj/J+hz/+ZzB9C/E/Q4vOkNxh3g/CfMGx"
    "LGX3VvCe/cT0VY9+5DHo963IMXcqh/SPjTPdVfYCEL08iwRb6wBTsy2NPMElinV/BOEMoy"
    "3tmLXYEy3itoqVRxFuFLmEaypHSWBNa76JbGJGUD1L8K9jTG/SWFIJdHq4odrer6SwvtCo"
    "mSyl0hdQ5nxzyfCVZnxDXjhHJLW9IZwxJFFX8rsGbDAhMqtRM5teo8tUhXhIXM/VyM79wO"
    "JM/rzPPYVN17rkue15/nbJo+F1KVYqSSz3Xm82xp4IL5nSFCyeNa81hmd77A7E55zlHTuM"
    "6Z7MmTQqIpYTnt3hiVNHrlDvljVCTz/JqCJcmiZHLwyjz0+hQf8EdnCTjnPw+sZsM5L8Lx"
    "qRyBl7wEGDze3ra4610J8OY9te9EwY2t8SnY5tpDMbP0Z93S9z0JyUn77zq9NfYsQM/tVQ"
    "pYQ7ezpoIljyLbCRHpWl0y+2xuGqv9wBI8XetEJF8Fu5h8oZW6myks1nbtalLUcOOdVWjG"
    "CwhUW9MtQH/2sgPomU6msQFraILZQkVPhMir+gKe1SVZVMEUzsmCyEq2qHOyxLJP9HAnTa"
    "dFXFjRlUgRmoM9RbC0S6SSszxfqKbWRhukb4Zg0CRgzZer6tHWOYW/dTXsdccsUdj5MEGj"
    "cXf8OFKuPncHN/RG9PsEPQz798P++GvQIn5lgrqjUf9mQO95nybocRBcDT6zhOaH+8G1m9"
    "HsfKSp1ePecNC9pS/fU7rX7D7n4gSNuzfeff+jc3XYu7v/3bvufqHPo8nbzuOcT/mSqh8f"
    "rh2k3A9xqXOchGq57+FI+x6cZUQsQzcgkYmg2QwpkAhK1naygK/YeSDKPnKb21G9hbi/xS"
    "TYV9J1dhV0nU0Fo6+jce+OCHP2f4J6d93+bQewf0UEWfnbCyKoC+kyHErpSE36qCMwieZK"
    "c4kbsGpUcXSiDGE3LJiZJ4R9nIN/asfgwwaDgsIqe/rPgyouJwZwXg96ZGiJliA6vE/K9w"
    "2n+qTC3uOdPikz3LjUkjvS29Nkb49bX1rEkA6R1NlEqK0ZLc8YOsoZQzYBy9zLSo51UefB"
    "3wj72MVb1HCLkUmTLY/J5oImvL01Tif3tuba2yot5HT0m2shu5NFpalLgim/SUrp8Etd5A"
    "sdjsmllSBzyvpLP4/085yUnydNBpcAb9PTUJPrTp4034goLQHlxudScxcf4aTfw3staaZm"
    "qsPSTePc6au03Ha5DnAjjYGBWDqbQ94Bqp/YRm9ig6W00Y9zfUmz2GwMMT3NjPGcEjsHr1"
    "Ef2FTFMJk8d8DncGuYB8Kd4Shau9yzbAPJJ/2tdVrW2xn+VlFnRvVejMoM6/JP+ZK7/qTu"
    "fyqoSt2/et1f7qQ86E7K4yim18aKvHzvGbIfkFBNw7czlVONNVSg33KnetoFM2O10i16LK"
    "9DDRg1oKfrbiE9apdwVgOWoznSVFc6QnBSAd2rp90xe//QDOU7ucoiZe53qjsKKYBZR2Y2"
    "TAes5LTMIvswUpbZEwhL1kZTjM+HvCDH6RoIdvkbNkLCRkieROmapDlWfBBv6nks6Rs30s"
    "9jqWDjxnGSfQ6yRYMoEAanmkQ68D7BXrDX0w1a3cYYdbs0VI64Scc9RCIH/B7Qy8yGdOHf"
    "rMyGhAfjSPYfXOrU797iGX/evXaW5cdMLWrQBm1zhSYCm80x1gwEdAuDjbqlhhqNJGi2SR"
    "/iG2z80EPBfrihBa8Fc/I/u1G7eIBBWny1tPiO777erTacXiwmwDc8N/IafGGaBhp75VvW"
    "vtAREiRhqjobeqzOimFbU+MHCw5Tb5wjtGfk9wNa4ych448vcqRTqUqnkjSzpZn9MlCXZv"
    "bRoKenyBbeyOQTV7g3Zg2RRgEUXG8feoPr/uCmA1z6Cbruda87QIPOIKrBLiViua3WFqcs"
    "TnqqeYikOm3n7Ymo6Qj+sBQXogJuJA55Nb6kKk2jE3EdeSBl7opZqthSoGnyFvD0XchRqi"
    "ZsO6t6H7L01KaLtGZ5auVBI03mOkfI+nV1a+CfH80WULOXUPubMW1xfPSR++0sPz32Wir/"
    "dpvmc9MvbVqlHhCijpM+RZYOgJeGRW6pZKhqbTDd0rq3qzawkaUvyWeI2qwa7sLYAN0CG4"
    "g4RXdL7313Kleq6/64ieXH9d4fxK+T7qdnqgflsKgEjRCejgBlTk9axDw2sMErGqbyZyWg"
    "b/06p/vzdGVrckk9NVu8wAgYPg4GzAw3bYQcM5yAScxwA8EJ+tTt39IywXNVJ+OgHmb5wl"
    "hqYqGegKLWrKCTcW0aM4ixxw1gmM6yYxn0Ut4IRJQDZx/zsODsYzoP6L1YxA2qGCrwx1on"
    "062AysmjPx25+SKteSLPzGL2RZRSsrnWbJ7rSMeLQnyOkcrTaOvMZ+mcO45zjizjvKOVMl"
    "IoPIrGBBQqSI2oiYvkGi7VLdSGNmrxkxi9u+3MDWxOO8V0G+ZyjpDGwJgDFbjUjh9js1At"
    "6pjQMZgT3fLVt+9w++11m3ku3OsanZ47vSPlds/NeHR9QaQL9gbkPi1Am9gBF21GrS4by7"
    "1vNc2EdJmV13Jzm9fZbKtNkpI7AfJC6zavM7StL1ScUNcrlTZEdqhTw07KozxwH6S0piuS"
    "BLXkgOp0LCHCibAA7zgHzpHZyZzdZCi1WWK7rhGBrlvbF+gqPLWMqcYfoeQqAlyJmM95a/"
    "O07tPIpAq5cO/6I3b020rHGGr1y7Iior2AEA2oZApQncWizKEre6uLdNvInKqaGTanmV2T"
    "J6dKOsObu0zVxEXYR8SoRVqPnbPAcRJG7rez3IS60zI4siGfo3AFMSavBkw4g/oz1JjnTk"
    "XA2XrqHErfBiqm5p9qmrRJ2z1PnFjnU8j2xxlz7uHlB+if6yrkbJN1H6tQP0fSacghwER7"
    "drIEvDf1/Y3SkVg7R+Lxt1TXzGooW9EMz58EuOluxRhZrd2LeKGeXXygsoX6GO+cN/+lf1"
    "3Iw1i+Q9eDkje6dzOAO7JPUtWP4nyRy5N7keHJvUh6cgPZnxfmgKJ5EB/kYKTUPdQ7a/JV"
    "7IU7lAO0imF8cj7PIhmrvate/3fq0vT0tAnqXl31Hsb0mjqbwbVFr/3vY3fYHYz7A3r5D1"
    "s1VWTpqC5ZrMRmxrxaxek+nICiCRKnav8NNf9WROebcZT2rJM5I3TyXE6BczmPU1G+ZsO8"
    "bK3cOw1aDNYYlQSWA6y6UVzVmWfWI9XcpmAbJYyLiK0FcX0Wz1JEhBuA9UUEkc6X/UF3+J"
    "Uvny85AdvLr+NeN6686E+IKCCm0Ga3CFEp62IDN7yFxUfg2UqgvCPiGiWVcYy6OLhrXsXT"
    "9V/fqfpyavxopXu4vRbtPD7uVahxLi932Nv8Fwxces/RDE3IEpjWxnJJt11RC0njHOewV0"
    "95jnOAiP5S5zAwWu6EdiPd0NINfTI7tktWyxYGFnIZee3r7MEo7JU7z+WVO8/wyp3HFYK1"
    "YXLwTR20XvM6V/I82ljFcGabupUSLsnhfwvR13n8tsa3IyJVlniCiFoyHLOvbI8nuzZgyY"
    "fIQLAenjYbQ1O0hkaYps6sqJODn550W3Toe7R1xrr10B2NvtwPrztgrWK8MUxtgu67j+PP"
    "Zx1g0F9wVo8BT+SIyTtlMN21HFDUmgGsQIILPa2MYBnfab2dT2SuQusXiGbmlrr+S9h9cA"
    "gP9Fy4bsX8CHUryLp2ef/3amJgB9mUE7KgBNz8IaoKnfyeZn6yPn5b15RndalrXLUnywyN"
    "UzbIJ11x5XeW222LugHCVI3Jsq8Y+YiHJoF+jmK2IdoG+lNPxH+aax+LU69IvPRUnK4JoX"
    "tZXqounGjUDKMLUkFhGqeVmy1qz2lsz2ihu6LMjpJLftee33LLYuUOhwDBorMsTCznWJ3n"
    "GC3QaptQZJ91mKS2FmDrE6s8y8LpGOgIqPR0NrGT2MreEoOVObRobWQxi5tHXVvca255y9"
    "3Y6QxpVhaTPOGiyVznrG11OuHinp0H2qPHgLY4iWvh2+2srDXnXFEF+i13pqx1wdrGC29r"
    "4tqEz7phY2BC5tnosLOjZwsVIUgGA/3C+naqcG10EwKasZTMXyuv2z0OtJAZa8fMWHPZK+"
    "LEDJHUOT5cqyikN9XzYuwTNBDh8vPY6ehOopteas9rL08m3aOinlS6m6Z+1XzrAJGWlluV"
    "gad+hW9nql9k/bLCe7R2ql/pfOdWnyGD4Rmazo4A2v9sqdND70OVGOIFaP5sBRBEyN1McE"
    "pC/sEfREXDmFz3wXIxcF/Hm0Mt1pj8KPblp5Dq9VL0rj3dQOkaFU39M0wHIe6Kny//MdRF"
    "nXWA1tXjaHx/1xt2gPdpgro3vcG4A9i/CRp9HY17dx3g/J+g3l23f9sB7F9Oz92hj3Z28B"
    "ZNC46RNa4oxUFU4amhcXLD0gM/Xvs6T4Laxnx0rJBH0+R1joWXmQEZo5SlDgTSIJMLvoBQ"
    "4RI3Id55aCNQ2iPp0DfLHuEs3WSqIMHiIhzKBmUdlxbldGEiT7GIjVQI4iitBJmzYiRtvp"
    "wQcyjlbkwOwjXcmd0AhBOeIf6QTqL9yTCh/oR+g9uEJRwD1/PuxLo7MbB/eqPKuxrINFox"
    "yHPN8KYz+UAQgI6yedUdXXWve63UsV0C1Pex7hoKNWde74Y6rDSUAHXX6+e0lr+8EHNUrA"
    "jE5D3A4PH2louxqzWUIzu8nhqNc1TPSkH6SL77sPjmOe9j4j3Dex9vWb733hssxhrSU9cV"
    "1yTf5bjnFZH3a6huVN2ifWGdDtV9vPl0qmQ/VcW0DhqE0Zc47DOjYy9kUR/2saFMLhkhqZ"
    "Nm2M6IkJxeXeLWl25/3B/cCPrdPbIOcD/Q0sTj/u+9DnD+T1BvcE0LErN/9QiGZGYE7WbP"
    "UbKDWhtde3JKVgixp3990xvT4ysptR+Z8k9MOT4zXFFexKsZI5UbNuqT1Jp0YyZVDe70S/"
    "FQ8IgbES87dMyAaAsKTQdJop1xTmuIRh7Umh2yLJBWFlWUBWVeglhKvTpLPdXjlwnXy20x"
    "lqf1ITlfZ87PdRNbil+Ivsh5ipwOJM/rzHN6RFIRRTZMJzlcZw6zXeJe5krBTeZRcsnvOv"
    "Pbc/oxxtEcE+HYNZdcZghw0jBYDKUg0HxiCTM3EYMNSRtRoAqM5YCwMZv5Sx7DwtDGySSw"
    "ibO1TBU5L0LmN/l5uFgeZEY3ch2u9TosU19fYOqrrH/RNK5zJrv79omIkOCRfzEqqfqlq3"
    "6FTBiZFyozb4+n/smjVQ+ezixzbCvLsT1G4uepApyR8snPX3b1gBLAbXruclRjypG37IjU"
    "EpAd+x01E9rI2iOcppwswJmE/NKl/PTbEC59IZsiJKJ1QxoiKH4eMpu7r8HV2rAgmm2HcG"
    "aY0ZzZ1EbtzKNcg+aKGbTPdZrrTF0uofkXDL7DbQcQWwuaz1ADr745uaLf2Pu/BpuFvnSO"
    "Y3XdW8C0EW7T4neIXVYR3kCTf87rAZ7BzT/HM8Op+kGeo2g6Gd5WIu1cKF1Z1tKj96qope"
    "ezLm/ink8gk/VyJOuFJoQAxlEqCXQOoOfk4dBcm7pYzcIYmYQ6B9RpWyFGK7LcpIrt1C0Q"
    "p2y5n5/9+sEX1/RLloAe3XVvb3kl2TVdddAQGLhRqubVWnmXq47Tu4w6Tu/y1nG61JFqbv"
    "kwp1Rymm4tR4U/LYiztAc31dmPJhAcL/uD7vArv5bTJSc1+vLruNeVFW5eYjS3+Dlnxzjh"
    "rEo1/9S5nPAvH2cz9hc4XRjG965lEZObW8o+1qKdZbhvnLZk0AWNc1ntlrkFqgUwRBphOl"
    "AB6Vp/hiYxrzcLcmNG3gnQX0xsZg0sjA1YGqSdbgGLPI9vpZfQpyxlf6Lmd2gA5o2KBxR1"
    "Diy23v0yVTHU2mBm2Ii8DZibxgqwRZ1uBKNnny8goPmdgO6CUbdHOhHJsUsIwBpH/95hzf"
    "hUDTJpSgNWs00nhrYSOdIrRlXnIX40ZIUPIpRnEO5Rj9YVuMX2s8dopRVTO/02IrJcxYub"
    "lpKlFMUImyS1KlCQMlJYPGBLiFC79sF1qMcT40jeWHVsNPIzLI5qxvlMSLfjwnzabciFx0"
    "k+S84NxINXKvKOCCM6qQosiK3XwHACnxt1S4ws5xgxpK0NgnmH6a3wB3kAoN5BardZwAnW"
    "J0y7sh8yQZD+SuCuK21gk5FoMtJvLhS/6Nq39Eit9wDaABu2OeOe7SGNxVoaiyeRlXp6Rb"
    "9CtqA/I4RGeYSsQaZgxSfiFjt7oIRDB6pyiYwXUTENFlDVOLk7xwnrsvVJOA4Zpaoz/LWJ"
    "nzfxNBk2tmlpJKaptAENkII50XXYB6rMYOrFJhoPVGcLT3/JOfKrtvipc6/wOVg+cYWVBN"
    "dO6KAlyLOH3uCaVXp06Sdo9Hh11eux6o7Yns0g1KA2QZ+6/Vt6ac4Osi8irQ5QZNAZQSKu"
    "xTBJbfdjt0a0GBQN7mxUDNwYODUaHCc51I7kJkdEPHnhsgKOMA65DPXW2RVmQsvcKjaydE"
    "5V1Wxex0ilz7PWjGYVVooFwXikDTJ/SpOdDCfhoE2USkZuxPU41ylYKHITp5XFROosxGSW"
    "4Ytgs6wekr5mNbd6iBezEHN5x6iaFJI9VL2AcHConGBrL9TjiWGdN9gaG2eiwdaER0NZGk"
    "+c8IPA5uBkImxDoD/o/uD4iE2PTIcH9e7IdHhS7Y5Mf1kQnROoND+SRuycI6PARiXIsFgx"
    "c7fjNt2yO1vQuC/5TLOCmYcVEmXGIh9pMjGZrZheXSVzjg/0jJJzkF9KTPlgJxbZZsp5OC"
    "kaklnx+TeVRXDO3ubaS0abpTqgnZtx8zJ4OQGgY2QVhgkE4wPF4c6HdhbY6cFJjsc//dyT"
    "GFk9jj6hz2vM0SfOgiAy/gOKBsqad2e5tq2eZWxbPUsM/rUJn3XDxoo42BzSJngSqwddKb"
    "7DMbsn6Visj+sh6XHSCZuI+H7mhEUuDWMJVZSipIbp4pvHCeGhBJ2nwFa8efz+/jbC0ct+"
    "3D3/eHfZI3OQsZI00h0DmbNriNgj5PdrtOg/5ilW6QETDmkTZF3lURMPxgJBkyipFG11Fm"
    "00m6fwoXUJYsnrOvNaxsfSVcnTDJzIYvsvket5wmUnsUukSWEzWWa7SNwsd5ntPLEzN1tH"
    "37eubnP3iB40dtYl0M8WLU7IzL3TzoqUqUGbXfGxdBhk9Kle0ScyfbBgYCRE0kDP8NnFRZ"
    "6wyMVFeliE3ovtgiCTSgBht3kD0T1IuUh6UAHkpcOkB5xCJNUHm45jDJcWVkqoWFWWKPj5"
    "/2mUKrc="
)
