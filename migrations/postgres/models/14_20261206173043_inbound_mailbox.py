from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "inbound_mailbox" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "organization_id" INT NOT NULL UNIQUE,
    "host" VARCHAR(253) NOT NULL,
    "port" INT NOT NULL,
    "security" VARCHAR(16) NOT NULL,
    "username" VARCHAR(254) NOT NULL,
    "auth" VARCHAR(16) NOT NULL,
    "secret" TEXT NOT NULL,
    "folder" VARCHAR(200) NOT NULL,
    "enabled" BOOL NOT NULL,
    "uid_validity" BIGINT,
    "last_uid" BIGINT NOT NULL,
    "next_poll_at" TIMESTAMPTZ NOT NULL,
    "lease_holder" VARCHAR(128),
    "lease_expires_at" TIMESTAMPTZ NOT NULL,
    "last_poll_at" TIMESTAMPTZ,
    "last_success_at" TIMESTAMPTZ,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ,
    "failures" INT NOT NULL,
    "messages_fetched" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_inbound_mai_enabled_ab5325" ON "inbound_mailbox" ("enabled", "next_poll_at");
COMMENT ON COLUMN "inbound_mailbox"."security" IS 'TLS: tls\nSTARTTLS: starttls\nNONE: none';
COMMENT ON COLUMN "inbound_mailbox"."auth" IS 'PASSWORD: password\nOAUTH2: oauth2';
COMMENT ON COLUMN "inbound_mailbox"."secret" IS 'The password or token, Fernet-encrypted.';
COMMENT ON COLUMN "inbound_mailbox"."failures" IS 'Failed polls in a row.';
COMMENT ON TABLE "inbound_mailbox" IS 'One organisation''s mailbox, and where its polling stands.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "inbound_mailbox";"""


MODELS_STATE = (
    "eJztXW1z2ziS/isofdlMlWYqseMkp7u6KtpWHO3Ykk+iJ5NdbXFoEZK4oUANX2zr5vLfDw"
    "DfSZAiKUqCaHyxJRINUk8Dje5Gd+OvzsrUoGH/Is1m0LZl8ztEnR74q4PUFcQfWLe7oKOu"
    "19FNcsFRHw3aXqUNFSds+Wg7ljpz8L25atgQX9KgPbP0taOb5FEdCRjmQkfAxnT40i9ghI"
    "wNcJYQTL5IP59dfADmnH6lfQLdBrZjWlD7hXSvmTPcv44WO/fkIv1PF+IXX0DcxML9/fNf"
    "+LKONPgC7eDr+rsy16GhJTDSNdIBva44mzW9NkDOZ9qQvOSjMjMNd4WixuuNszRR2FpHDr"
    "m6gAhaqgNJ947lErCQaxg+tgF+3ptGTbxXjNFocK66BoGcUHsvEF3rKMpwJCuTvqwonQw7"
    "AooYrv6lmYkIK/Gr2vTXL8gr/Hz27v3H95/OP7z/hJvQ1wyvfPzhPToCxiOk8Azlzg96X3"
    "VUrwXFOAKV8khZqvYyC+7VUrXY6CapUijj10+jHGDKL8wr9UUxIFo4S/z1w/sCTH+Txldf"
    "pPGbD+9/Ig808bTz5uTQv3NGbxHYI5hnFiRQKKqThfka33H0FWRDnaRMQa35pL8EH+oAH1"
    "yIkI9EyCGgxz9QIyLEZ3kB9PLgrj+Rpbt78riVbf9pUPwkuU/unNGrm9TVNx9SbAo7AV8H"
    "8hdAvoJ/jIZ9Cq9pOwuLPjFqJ/+jQ95JdR1TQeazomqx0RlcDVBLcB2+rHXcWw2uJylbyP"
    "UT4XKASSGbLfiE5WGdyZ2kbIDN/qgUXG6ey4ZqO4pr1+JzmlZwmmdOqxh6R6mkbsZJtiud"
    "JyCfm9A7iSY//85UOyleWXw/YztBX6Bf4YbCPMCvpKIZZKAaGExBPycG749gAAVXoxltqc"
    "+h8ZMYV/jX498MHU83lyZX0nW/Q0F+VGffn1VLUxJokzvmmZm6ErbN3lqdrdJXVITfQPN/"
    "BnnpBO4sCzZgSIHtGjbZZrTmw8kwI/+JpcVCRfr/qpQaN4IrVTc6/xL25RHtS48HGVzzTc"
    "uQoBmr8thiNGFXnl2UMSxxq1zLkt5Lmpb0fwWAg/ZtxPft2zL4vn2bjy+5l8R3rdr2s4kF"
    "ZlUnSYawjYhfXJQa0RcFI/oijbhlGjkjuo/cVUYzSFpUPu3hsI7Wswpwd6Tru8GwB1Rtpa"
    "Mpkm76Qxl/C3uqyIZ3H0pw4V1ap46YQG4leaDbCl6Z9ScGIy5NjLGKctbFOF2KCY+YcF9c"
    "CNbMw5o2l6PRbcKquRzIKYwf7i77GHsKPW6ke+pbsHDGPIRL1VFm6lqd6c6mgiKSoTuc+X"
    "GeBvz82HpISu/AFp6jz/UZ1QjtLKh/n4yGBVpIljxtt+szB/wfMHS7DManY7ETXBLDOpAU"
    "b+6k39NC5Op2dJm2wkkHlymOUB8IHa2W6dbzhed0IbwpXHtTHm1iw9q6v1xXYXiaVnCaZ0"
    "6LTa785a29m1zuWqvJ9SSl4DovXGdMdv/tI67HfW3VXOUMSuEx3+4xTzs3d3Scj1LdnRjY"
    "Zf3njMFW1Y2eipVhmBGXPt3nX8fQCBHN2bBIRni1BPakwrfWle9wsytQax2P5pNV6LZAZN"
    "t4tuKlz9Fn36GzI1Qy7aSlUOEla40bwEYwGvudtRQrahqvsHxRF7vidYW7uvN6aitYJnqC"
    "lp3nG6oEVqyrFqG11w1kT7yzdpBDwV+whewtMaU2kTsSIE/QuoBEW81IFwDTgrlpARUB/H"
    "vhwqKs+0+A+7HBs+4sgY4/eMqDx9a/2Z6vHlj6YunYrKjoPT1FREzztaMt9lv3vN9qwbn+"
    "UmmjNaRoIcbNb+1hsVR5LztOI8L9UxCLcP/2+8TKeEJFHPhr2OUQceCvhdOBLH7cVPNwZ+"
    "hq+bc5Y2zTARpiA0FsIBxfTjW3gcAWHA0AXTbFgTN5URbgjLBMwIvfAgwfbm+PledwZSLH"
    "cy5l/FTBrW6Ro2oWa1TCUTVzbcdcQYtk0Kso4RpieZy2Na+SJdEFjFsvDrSQahDOiDSKV5"
    "RGwZksEVkUpO/OYdDdh08vLkiqDOIkWQuH8j7AfoKWjrtjIF0YuR8nO2DgfnglDjZ7geQt"
    "Yt9QsYmuKZVlc4awhQN7HzJaeFXz0W+vV1XEl7aN6yK+VLiHOAf7OPGlIhhQBAM2hpUIBj"
    "yJYMBTkXx7jQZMrBYMX2t6Ncl3uKaXsWZrzAgfqAi848K83offyDbcRRV8g/YiHiyFbTYe"
    "zNPslOqhjRnCA/qb5V/lw7ic352VCXE8yw9xPMvBe2a6yIFWBVmcJTyc7fiWa7kckxPQcf"
    "DzKtXTiNPsVESj3lD+r7mLZgQ38OjqBn4T+xfy2P/e1/g+dG0NW3dgkBBRWnzHaBpxQHMk"
    "wd+XWR7f56+O7zOLo65B5OjORrHhzIIMV2Q+0AzS9jn8P5VB/FM+4p+yiKNHLIX9XZI6sO"
    "fQC+y3Yy92WvKhP02fu9hpeY1cz9tpyewDlHFP0+qEu2b1t6xe8zELH5wkRn5A5O4+1iCs"
    "so0gHXYj6IQhUhyVZYdWh0lWF21F6mj7QKeJltgIOuZGkC+0GFtAkTjL3/xxojZ7PloAua"
    "tHfC8dFP9XJ/qdrNgA21Edl75zzE4ifcCXteUdpxdi5P9+/62CsdWhjfFvo1/o0C1+pF9q"
    "CCbfYL/PXFu6afnliA/ywIOhGTN09vyL8GMWprXZ82MwmxY68mrqkiSPvT7Mgnhi2Q60lD"
    "DnZI9Pa/bn2O7jv+FsG9fxQ1/8ml6KT6E41mLViT3nZjBU5PHNnfJwf98fFz81LrPKPzlG"
    "Ve3pYj/7oPvZ3hpSHtiIQAQ0sval/CmaAbRgDyQiaWGUwHmpKIHzgiiB82yUQPzNMkjLWJ"
    "iwkU6RtSBtqsgF2P9dLt7jCz2At6PhTdA8vfGXGt6h7pgd3dvPRYmoDwj9sP+1IvqEpAfw"
    "nyka3feHPUD+ThFetO7Ho5txfzLpgdiXKfoqDeTB8EYZDZWrh4k8uuuPe4BxMdFS/jIYXy"
    "v30lj+lmgcuz5FuP/R7W/96x4IPk0RZsuEXPH+4+/S8Kp/e0svBR87dWZqmQiI8/wIiPNM"
    "BERcBa8zXuL0Bxwxd/3rwcNd1UFzO8KDBv+ZIo++B7z/U/RlcPOlB8jfKXoYe6fseP8x88"
    "aY8VfSLead/6kO65qvzxWq/hUWsjhN+zY435VayN4VLGTvsguZlzwfaGYZrPNjWTKEIqCl"
    "eLGrEdCygo5KFOcqfInTCJY0zpLIeq8aiJulbIH6d4CA3LS/pBbkIsm4WpJxWJq9ehREil"
    "QUd+Mn6iEb7JLyfGZYXZBfmiYU5d2yzpi5btmOEuTrKZoLa0yo3E7E1OJ5auGuMAup+7ke"
    "35kdCJ7zzPPUVN15rgue889zOk2fahY8TpAKPvPM55lh1it3nCAUPOaaxyLiv2Wx3yLi/z"
    "VyPS/in+HigNXs3hSVMHpFTfPDIxz5NSvBmyYTg1fUA+OnXHw4OhvAuXxmDGfDuSzC6amc"
    "Uy6etd41AG/Li/Gn1vjKpfhjmM8c/Ul39GZKtUleb63NijtWXbuTBEvkfG2FCHetGtQ+m1"
    "vmajewxOG2NbOYQqGVm80UF2vbspoUNd5461ki8hIC1dV0B5CfbfSAiSCwzGewhhaYLVW0"
    "wET0DFoHt3xSDbyogkc4xwsiUJEG1DleYumn56UJNF0DupM9gmRvT9leey+RJ+FD1GgykE"
    "iGOGQyBIUmA2u5WNWAlucQ/s7VuC/JNFDY+zBFE1mSHybK1RdpeENuJL9P0f14MBoP5G9R"
    "i/SVKZImk8HNkNwLPk3RwzC6Gn2mAc33o+G1H9HsfSSh1XJ/PJRuycv3Fema3mdcnCJZug"
    "nuhx+9q+P+3ei34Lr/hTyPBG97j/M+lQuqfri/9pDyP6SlznECqkXew5HyHrxlpFqEbkQi"
    "AkGLGVIjEBSv7XgBX3lntu0it5kd8S3EwxSTKK9E8rIKJC+pYPJtIvfvsDCn/6eofycNbn"
    "uA/qsjyJpPL0igXkmXYVAKR2rWR52AqWqsNJO4BavGAcKlxRZ2PvqnuZlZZgs7YfqVFGQJ"
    "GrHPtn0zKCqssqP/vHVFqbopD3piaFU9Cmb/PqnQN5zrk4p7j7f6pKx4432etCC8Pa3y9p"
    "AqgP5GWllDOkbCs4nArRmt24qOvONUGfsBRQeDpiiPfTbo/vFv8IxQrLosTWsnKznVBc+D"
    "vxX2sY93VcMtRSZMtjImmw9a5fTWNJ3IbRUH6AoLOcdC9icLLd9dMeQ3SykcfrmLvF/auh"
    "bESVoBchZk4edpClXh5zmMnydPBjcAb9vDULPrTpkw34QobQDl1sdSMxefykG/+/dakkjN"
    "XIelH8a51Vfp+O22hs6NEAS4MTARDWfzyHtADQPbyE3bpCFt5ONcN0gUm2tDG6gIUJ4TYv"
    "gErQ0gPrBH1YbZ4Lk9PodZwzwS7hTHqrXLA8s2knzC38rTst4t8LeKo3P3eLiryPoTuv+p"
    "oCp0/8Pr/iKTcq+ZlMdRTK/NFX75/hOkPyCjmsZvFyqnGm2owLDlVvVUAjNztdIdzHHgUQ"
    "NKDZDpgA10wFLFnNWA42mOJNSVjBA7q4Du1NP2Pfvw0AzlO75Kd8r870R3rKQAXuqL16ID"
    "/sfZ2fn5x7O35x8+Xbz/+PHi09tQzmdvFQn8y8ENkfkJNWaXPIycZfYEtiW50RTT86EsyG"
    "m6FoLdfMJGTNhUkidJujZpjgcRLSXOY8lP3Mg/j+UAiRvHCfbZS4oGViBMRjWJfOBDgp1g"
    "59MNerjEGHVjmCpD3OTjHiMRA34H6EVkQ77wb1dkQ8aDcST7Dxo68bt3WMZfcK9bZPlRU4"
    "sYtFHbUlsTkc3mGWsmArpjg2d1Qww1spOguRZ5SGiwsbceavbD3FoIWlAn/5O/a5feYBAW"
    "H5cW3/Hd19vVhtPbi4nwjc+NsgZfnKaFxl7zlnUodCoJkjgVz4YerbNius6j+UI3h4k3zh"
    "PaM/z7Aanxk5Hxxxc5wql0SKeSMLOFmf06UBdm9tGgJ6fI1k5kCokPmBuzhkgjAFZcb+/7"
    "w+vB8KYHfPopuu5L1z2gQW8QcZClhC231dphlMXJDzWPkRxO23l7Imo6gi+O4kNUw43EID"
    "+ML+mQptGJuI4CkAqzYgzVdhRoWawFPD8LOUnVhrSzQ+chC09tvkhrl6dWHDTSZq4zhGxY"
    "V5cD//xktoSaa0Dt7+Zjh+GjT9zvFvnp7aCl8m+/aTk3veGSKvUAE/W88Cm8dADbMB18S8"
    "VDVeuCxw2pe7vqAhc5uoE/Q9Sl1XCX5jPQHfAMEaPobuO9bw/lynXdHzew/Lje+734dfL9"
    "9FT1IByuKkEThKcjQKnTkxQxTw1s8IZsU4WzEpC3/qmk+/N0ZWt2ST01W7zGCBg/DIfUDL"
    "dchDwzHIOJzXATwSn6LA1uSZnguarjccCHWb40Da3aVk9EwTUryGRcW+YM2nbADWBa3rLj"
    "mORS2R2IJAfOPpVhwdmnfB6Qe6kdN6jaUIEvax1PtxoqJ4v+dOTmq7TmsTyz6tkXSUrBZq"
    "7ZPNeRbi9r8TlFKk6j5ZnPwjl3HOccXsZZRysVhFAEFK3ZUDhAaAQnLpJraKgbqI1d1GEH"
    "MQZ3u4UJbF47xfIblnKO4MbAnAMV+NSeH+N5qTrEMaHbYI51yzd/fIebP37qUs+Ff10j03"
    "Ord6TZ7pkRj74vCHdB3wDfJwVoMxlwyWbE6nJtkfvGaSSkz6yylpvfnGezjZsgJX8ClIXW"
    "b84ztJ2vRJwQ1yuRNlh2qI+mm5VHZeDeS2lNXyRV1JIjqtOxhDAn4gK85x04h2cndXbjod"
    "Slge26hgW67mxeoavw1CKmWn+Ekq8IMCViOeety9K6TyOSKubCvRtM6NFvK922ocZflBUW"
    "7TWEaEQlQoB4Fosihq7pVBfhthExVZwZNqcZXVMmpko4w9u7THHiIhwgbNQirU/PWWA4CR"
    "P3u0VuQt1rGR3ZUM5RuIK2jV8NWHAG9SeoUc+dioCXeuodSt8Fqk3MP9WySJOuf544ts4f"
    "Ic2PM+fMw8v30D/TVchIk/UfqxA/R9ZpyCCwsfbsRQkEbxr6G4UjkTtH4vFTqjmzGppWNO"
    "PzJwNuvlsxRca1e9FeqmcXH4hsIT7GO+/Nfx5c1/IwNu/QDaBkje7tDGCO7JNU9ZM4X5Ty"
    "5F4UeHIvsp7cSPaXhTmiaB/EezkYKTeHemtNvgN74fblAD3EMD45n2ediNX+VX/wG3FpBn"
    "raFElXV/17mVxTZzO4dsi1/3mQxtJQHgzJ5T9d1VKRoyNeolixzWyzahXn+3AiijZInEP7"
    "b4j5t8I634yhtBedzJmgE+dyVjiX8zgV5Tkb5k1r5cFp0NVgTVEJYBnAqs+KrzqzzHqkWp"
    "scbJOEaRGxcaDNz+LZiIjwN2BDEYGl8+VgKI2/seXzJWPD9vKb3JfSyou+QFgBsSoluyWI"
    "GlkXW5jwFhcfkWcrg/KWHdckqdjH4MXBzXkVT99/fafqxqP50sn3cActumV83KtY41Je7r"
    "i3+W828OkDRzO0IA1gWpuGQdKuiIWkMY5z2KmnMsc5QER+qXcYGCl3QroRbmjhhj6ZjO2G"
    "1bKlaVdyGQXtefZg1PbKnZfyyp0XeOXO0wrB2rQY+OYO2qA5z5U8jzZWbThzLd3J2S4p4X"
    "+L0fM8fjvy7QRLFcOeIqyWjGX6leZ40mtDGnyITAT58LS5NrSq1tCI0/DMCp4c/OSk27pD"
    "P6DlGevOvTSZfB2Nr3tgrdr2s2lpUzSSHuQvZz1gkl9wxseAx3LEYp0ymO9ajii4ZgAtkO"
    "BDTyojOOZ3Um/nM56r0PkZopm1Ia7/BrIP9uGBnleuWzE/Qt0KvK5djn4/zB7YXpJyYhZU"
    "BTd/jOqATv5AMz9ZH7+ra8qTaugaU+0pMkPTlC3ySR+48juN7XarugHiVK2Jsj8w8gkPTQ"
    "b9EsVsY7Qt9KeeiP+0VB6LV6+oeumpNF0btu5FeSleONGqGUYWpJrCNE0rki2457Ttzkih"
    "u7rMTpILfnPPb5GyeHCHQ4Rg3VkWJxZzjOc5Rgq0uhaskmcdJ+HWAux8ppVn6Xa6DXQEVH"
    "I6W7WT2JpOibGVOXRIbeRqFjeLmlvcObe8RTZ2PkPaFcUkTrhoM9cZaxtPJ1yM6HmgfXIM"
    "aIcRuBa/3S2KWvPOFVVg2HJryJoE1q69DFIT1xZ80k3XBhakno0ePTt6tlQRgngwkC+0b6"
    "8K17NuQUAilrLxa811u8OBFiJi7ZgRaz57qzgxYyQ87w9ztQsZTPWyGIcELUS4+Th2Mrqz"
    "6OaX2gvai5NJd6ioJ5TutqlfnKcOYGnp+FUZWOpX/Hah+oXXLyeeo7VV/crnO7P6DB4MT9"
    "DyMgJI/zNDJ4fexyoxpAvQ/NWJIEiQ+5HghAT/gy9YRbNtfD0Ey8fAf51gDnVoY/yj6Jcf"
    "lVSv16J37egGyteoSOifaXkIMVf8cvGPsS541gE6Vw8TeXTXH/dA8GmKpJv+UO4B+m+KJt"
    "8mcv+uB7z/U9S/kwa3PUD/lfTc7ftoZw/vqmHBKbLWFaXYiyr8aGqM2LD8jZ+gPc+TgNs9"
    "H91W8KNJ8DrDwiuMgExRilIHFcIgswt+BaHCJG7Dfue+jUBhj+RD3y57hLF046mCKhYXYV"
    "C2KOq4sV1OHyb8FAfbSLUgTtIKkBkrRtbmKwkxg1JkYzIQ5jAzuwUIZzxD7CGdRfuzaUF9"
    "gX6Fm4wlnAI38O6kujsxsH8Eoyq4Gsk0UjEocM2wpjP+gBGAnrJ5JU2upOt+J3dsNwD1KN"
    "VdS6FmzOvtUMeVhgagloJ+Tmv5KwsxQ8VKQIzfAwwfbm+ZGPtaQzOyI+ip1Tgn9awcpI/k"
    "u4+Lb5bzPiXeC7z36ZbNe++DwWKuITl1XfFN8m2Oe1YR+bCG6rOqO6QvWydDdRdvPpkqxU"
    "9VbVIHDcLkS+z3mcmxF7Oo9/vYWCSX2CHhSTPsFuyQnF5d4s5XaSAPhjcV/e4BWQ/4H0hp"
    "YnnwW78HvP9T1B9ek4LE9B8fmyGFEUHb2XOU6KDOs64tvJIVldgzuL7py+T4SkId7kyFJ6"
    "Ycnxm+KK/j1UyRioQNfoJas27MrKrBnH45HgoWcSv2y/a9Z4C1BYWEg2TRLjinNUYjDmot"
    "3rKsEVaWVJQryrwMsZB6PEs9NeCXBdfGph7L8/oQnOeZ83Pdsh0lLERf5zxFRgeC5zzznB"
    "yRVEeRjdMJDvPMYZolHkSu1EwyT5ILfvPM78DpRxlHYkwq710zyUWEACMMg+6h1ASaTSxg"
    "ZgZi0CHpIgJUjbEcEbYmmb/hMVwZ2jSZAFbUPxChj6L+Qfu4zlC6/LfP7AhUPPItRSWW/v"
    "ylv5YKK+ICReTl0RAWR2vuP5xVxFgeLMbyGIF/pwpwQcgfO37V1wMaALftsatJjalE3Kon"
    "UhtAVg47aie0ibWncphqtgBjFvJLn/Lzr2NohEI2R0gk60a0RFD82Gc070CDq7XpQDTbjO"
    "HMtJIxk7mNuoVHeUbNFStqX+o0z5lqGND6mw2+w00PYFsLWk9QA2/+8GIF/6Dv/xN4XuqG"
    "dxynBTHzbAdYLrK7pPgZopdVZD9Di33O5x6ewYw/tmemV/UBP0fRdDy8nUzYcaVwVVFLjd"
    "w7RC21kHVlA7dCAhGsVSJYKzYhKmCcpBJAlwB6jh8OrbWlV6tZlyITUJeAOi8UfrLCy02u"
    "2M4NgT9ly/387OOHUFyTL0UCenIn3d6ySnJrulpQeokNZ5KqfbU23pWq4/OuoI7Pu7J1fC"
    "51pFobNsw5lXweN46nwp8WxEXagx/qGu4mYBwvB0Np/I1dy+eSERp7+U3uS2Kb7zVG1dQ/"
    "5+oYJ1wdUs0/dS5n/MvHScaVoKXPlh2Gze7f6RYZ6mrUptHU211s3Ndi4O4tJZOkVDN3Nv"
    "K1phhJC1X9s4uLEjoTblVwJvpFJpsPT6oKCPvNW4juXjRSshfCLMuRn8sVIxG1wCsmbR11"
    "Mfvx/98iPLg="
)
