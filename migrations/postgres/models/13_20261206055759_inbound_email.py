from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "inbound_email" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "organization_id" INT NOT NULL,
    "message_key" VARCHAR(64) NOT NULL,
    "message_id" VARCHAR(500),
    "sender" VARCHAR(254),
    "subject" VARCHAR(500) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "reason" TEXT,
    "automatic" BOOL NOT NULL,
    "ticket_id" INT,
    "response_id" INT,
    "raw_message" BYTEA NOT NULL,
    "signature" VARCHAR(64) UNIQUE,
    "received_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_inbound_ema_organiz_dbaf06" UNIQUE ("organization_id", "message_key")
);
CREATE INDEX IF NOT EXISTS "idx_inbound_ema_organiz_c7dcc2" ON "inbound_email" ("organization_id");
CREATE INDEX IF NOT EXISTS "idx_inbound_ema_organiz_74951a" ON "inbound_email" ("organization_id", "sender", "received_at");
COMMENT ON COLUMN "inbound_email"."message_key" IS 'sha256 of the Message-ID.';
COMMENT ON COLUMN "inbound_email"."status" IS 'RECEIVED: received\nACCEPTED: accepted\nQUARANTINED: quarantined';
COMMENT ON TABLE "inbound_email" IS 'One message received for an organisation, as it arrived, and what became of it.';
        ALTER TABLE "organization" ADD "inbound_email_secret" VARCHAR(80);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "organization" DROP COLUMN "inbound_email_secret";
        DROP TABLE IF EXISTS "inbound_email";"""


MODELS_STATE = (
    "eJztXW1z4ji2/isqvmxPFTPVnXS6+3Jv3SonodPsJJAFMr29y5ZHwSJo28iMbZJwZ/u/X0"
    "l+t2VjOzYYR18SsHVk8xzp6Lzp6M/OytCQbv2izOfIsqbGd0Q6PfBnh8AVoh9Et7ugA9fr"
    "4Ca7YMN7nbeHvKFq+y3vLduEc5veW0DdQvSShqy5idc2NtijOgrQjQdMgEXp6KVfwIjoW2"
    "AvEZh8UX4+OfsAjAX/yvsE2AKWbZhI+4V1rxlz2j8mDy/uaUPwHxtEX/wB0SYm7e+f/6KX"
    "MdHQM7K8r+vv6gIjXYtghDXWAb+u2ts1vzYg9mfekL3kvTo39M2KBI3XW3tpEL81Jja7+o"
    "AIMqGNWPe2uWFgkY2uu9h6+DlvGjRxXjFEo6EF3OgMckbtvEBwraOqw9FUnfSnqtpJsMOj"
    "COHqXpobhLGSvqrFf/0De4WfT969//j+0+mH959oE/6a/pWPP5xHB8A4hBye4bTzg9+HNn"
    "RacIwDUDmP1CW0lklwL5bQFKMbpYqhTF8/jrKHaXNhXsFnVUfkwV7Srx/eZ2D6mzK++KKM"
    "33x4/xN7oEGnnTMnh+6dE36LwR7APDcRg0KFdhLmS3rHxiskhjpKGYNac0l/8T6UAd67EC"
    "AfiJB9QE9/oMZEiMvyDOing5v+ZKrc3LLHrSzrD53jp0z77M4Jv7qNXX3zIcYmvxPwdTD9"
    "AthX8I/RsM/hNSz7weRPDNpN/9Fh7wQ3tqES40mFWmh0elc91CJcR89rTHsrwfUoZQu5fi"
    "Rc9jDJZLOJHqk8LDO5o5QVsNkdlZLL1XNZh5atbqxSfI7TSk43mdOQQm+rhdTNMMlupfMI"
    "5HMVeifT5BffhWonxyuJ72dqJ+AH8ivacpgH9JUgmSMBqp7B5PVzZPD+8AaQdzWY0SZ88o"
    "2fyLiiv57+ZmQ7urkyuVAu+x0O8j2cf3+CpqZG0GZ3jBMjdsVvm7y1OlnFr0BC30BzfwZ7"
    "6QjuIgvWY0iG7eo32WW0psMpMCP/SaXFAyT4/yCnpo3QCmK98y9pXx7QvnR4kMA13bT0Ca"
    "qxKg8tRiN25clZHsOStkq1LPm9qGnJ/xcA2GvfRnzfvs2D79u36fiye1F819CyngwqMIs6"
    "SRKEbUT87CzXiD7LGNFnccRNQ08Z0X2yWSU0g6hF5dLuD+tgPSsAd0e5vBkMewBqK0xmRL"
    "nqD6f0m99TQTa8+5CDC+/iOnXABHYrygNsqXRlxo8CRpwbFGNIUtbFMF2MCfeUsC4ueGvm"
    "fk2b89HoOmLVnA+mMYzvbs77FHsOPW2EHfXNWzhDHsIltNU5XMM5trcFFJEE3f7Mj9M44K"
    "eH1kNiege18Gy8wHOuEVpJUP86GQ0ztJAkedxux3Mb/Afo2MqD8fFY7AyXyLD2JMWbG+Xv"
    "cSFycT06j1vhrIPzGEe4D4SPVtPYlPOFp3QhvSmN9qbcW8yGtbC7XBdheJxWcrrJnJZBrv"
    "Tlrb1Brs1aK8n1KKXkelO4Lpjs7tsHXA/72oq5ygWU0mO+22Med26+0HE+inV3ZGDn9Z8L"
    "BltRN3osV0ZgRpy7dJ9/HSPdRzQlYBHN8GoJ7FGFb43V72j7UqDWmI7mo1XodkBkWXS20q"
    "XPxvPvyH4hVFPeSUuhokvWmjZAlWA0djtrKVbcNF5R+QIfXorXBe3qxumprWAZ5BGZVppv"
    "qBBYoa5ahFatAWRHvIsiyL7gzwghO0tMriByRwHsCVoXsGyrOesCUFqwMEwACaC/Fz2YnH"
    "X/DWg/FnjC9hJg+sFRHhy2/sVyfPXAxA9L2xJlRdf0FJkx3ayItoy31hxvNdECPxcKtPoU"
    "LcS4+tAeFUuFY9lhGpnuH4NYpvu33yeWxxMq88BfQ5RD5oG/Fk57svh+W8zDnaAr5d9uGG"
    "OrTtCQAQQZQDi8nKougCAWHBUAnXeLQ8PkRV6AE8IyAi99CzC8u74+1D6HC4PYjnMp4afy"
    "bnWzHFXzUKMcjqr5xrKNFTLZDnpIIq4hkcdpV/MiuyS6QHDr2UYmgTrjjNxG8Yq2UTRMls"
    "hdFKzvzn7QrcOnFxYkRQZxlKyFQ7kOsB+RiWl3AqQzM/fDZHtM3PevhMEWL5BNy9jXITXR"
    "NbWwbE4QtnBg1yGjpVc1Hf32elVlfmnbuC7zS6V7qOFgHya/VCYDymTAyrCSyYBHkQx4LJ"
    "Kv1mzAyGoh8LXGV5N0h2t8Gau2xoz0gcrEu0aY13X4jSx981AEX6+9zAeLYZvMB3M0O7V4"
    "amOCcI/+5umv0/24nN+d5ElxPElPcTxJwXtubIiNzAKyOEm4P9vxbaPlckhOINumzytUTy"
    "NM86IiGuWG8v8sNmTOcAP3G6zTN7F+YY/937rG975ra1jYRt6GiNziO0RTiQO6QRL8fZ7l"
    "8X366vg+sThiDREb21vVQnMTCVyR6UALSNvn8P+UB/FP6Yh/SiJO7qkUdqMkZWBPoZfY78"
    "ZeRlrSoT9On7uMtLxGrqdFWhJxgDzuaV6d8KW7+ltWr/mQhQ+OEiM3IfLlPlYvrbKNIO03"
    "EHTEEKk2FNmhxWGawoe2InWwONBxoiUDQYcMBLlCSxACCsRZevDHDtrUfLQA2azu6b14Uv"
    "yfneB3inIDLBvaG/7OITuJ9YGe16ZznJ6Pkfv73bfyxlaHN6a/jX/hQzf7kW6pIRR9g3qf"
    "uTaxYbrliPfywL2hGTJ0av5F9DEPhrmt+TGUTQ+YODV12SaPWh9mIjqxLBuZqr/npManVf"
    "tzrM39v9F8F9fpQ5/dml6qS6Ha5sOqE3rO1WCoTsdXN+rd7W1/nP3UsMzK/+QQVbGny3j2"
    "XuPZzhqSH9iAQCY0iuJS7hRNAJoRAwlIWpglcJorS+A0I0vgNJklEH6zBNJTKkzESMfIWr"
    "BtKssF2P/7NDvG53sAr0fDK695PPAXG96+7pgc3bvPRQmo9wj9sP+1IPqMpAfonxkZ3faH"
    "PcD+zghdtG7Ho6txfzLpgdCXGfmqDKaD4ZU6GqoXd5Pp6KY/7gHBxUjL6ZfB+FK9VcbTb5"
    "HGoeszQvsfXf/Wv+wB79OMULZM2BXnP/2uDC/619f8kvexU2am5smAOE3PgDhNZECEVfAy"
    "4yVMv8cRc9O/HNzdFB001yM6aOifGXHoe8D5PyNfBldfeoD9nZG7sXPKjvOfMm9MGX+hXF"
    "PeuZ/KsK76+ly+6l9gIQvTtC/A+S7XQvYuYyF7l1zInM3znmaWwDo9lyVBKBNashe7Egkt"
    "K2RDpjgX4UuYRrKkcpYE1nvRRNwkZQvUvz0k5Mb9JaUgl5uMi20y9kuzF8+CiJHK4m7NyX"
    "pIJrvEPJ8JVmfsL40TyvJuSWfMApuWrXr79VRtg0pMqNRO5NRq8tSiXVEWcvdzOb4LO5A8"
    "bzLPY1P1xXNd8rz5POfT9LFkweMIqeRzk/k8141y5Y4jhJLHjeaxzPhvWe63zPh/jVxPy/"
    "gXuDhQMbs3RiWNXlnTfP8IB37NQvDGyeTglfXAmlMu3h+dFeCcf2dMw4ZzXoTjUzmlXLxo"
    "vasA3pYX44+t8YVL8Ycwn9v4Edu4mlJtitNba3fFHaqu3VGCJfd87YSIdg11bp8tTGP1Mr"
    "Dk4bYldzH5Qit1N1NYrO3a1aTCcOOdZ4lMlwjAjYZtwH623gMGQcA0nsAamWC+hOSBEvEz"
    "aG3a8hHqdFEF92hBF0QAiQbggi6x/NPT0gAa1gC2k0eQ1PaU3bX3IvskXIgq3QwkN0Pscz"
    "MEhyYBa75cVY+2ySn8nYtxX5nyRGHnw4xMpsr0bqJefFGGV+xG9PuM3I4Ho/Fg+i1oEb8y"
    "I8pkMrgasnvepxm5GwZXg888ofl2NLx0M5qdjyy1etofD5Vr9vJ9Vbnk9wUXZ2SqXHn3/Y"
    "/O1XH/ZvSbd939wp7Hkredxzmf8iVV391eOki5H+JS5zAJ1XLfw4H2PTjLSLEM3YBEJoJm"
    "M6REIihd2+kCvnLObHuJ3BZ21Gwh7m8xCfaVKM6uAsXZVDD5Npn2b6gw5/9npH+jDK57gP"
    "8rI8iq314QQb2QLiOglI7UpI86AlPRXGkhcQtWjT2kS8sQdjr6xxnMzBPCjph+OQVZhEbG"
    "2XYHg4LCKi/0n7euKFU35kGPDK2iR8HU75PyfcOpPqmw93inT8oMN67zpAXp7WmVt4dVAX"
    "QDaXkN6RBJk02ExprR2FIxcY5TFcQDsg4GjVEe+mzQ+vGv8IxQqrosDfNFVnKsiyYP/lbY"
    "xy7eRQ23GJk02fKYbC5ohbe3xunk3lZ5gK60kFMsZHey8PLdBVN+k5TS4Ze6yLulrUtBHK"
    "WVICdBln6eqlCVfp79+HnSZHAF8LY9DTW57uRJ842I0gpQbn0utXDxKZz0W7/XkmVqpjos"
    "3TTOnb5K2223M3VuRBCgjYFBeDqbQ94D0E9sYzctg6e0sY8LrLMsto2FLAAJ4DxnxOgRmV"
    "vAfGD30ELJ5LkanyOsYR4Id45j0drlnmUbSD7pb23Sst7N8LfKo3NrPNxV7vqTuv+xoCp1"
    "//3r/nInZa07KQ+jmF4aK/ry/UfEf0BCNQ3fzlRONd5QRX7LneqpAubGaoVtynHgUANODY"
    "hhgy2ywRJSzmrAdjRHlurKRoiVVEBf1NPumL1/aIb6nV7lkTL3O9MdCymA5/jhteiA/3Vy"
    "cnr68eTt6YdPZ+8/fjz79NaX88lbWQL/fHDFZH5EjXnJPoyUZfYIwpKN0RTj8yEvyHG6Fo"
    "Jd/YaNkLApJE+idG3SHPciWnKcx5K+cSP9PJY9bNw4TLJPLVs0qAJhCKpJpAPvE7wI9ma6"
    "Qfe3MQZudQMKxE067iESOeBfAL3MbEgX/u3KbEh4MA5k/yEdM797R2T8efe6WZYfN7WYQR"
    "u0zRWaCGw2x1gzCMC2BZ7glhlqLJKgbUz2EN9gE4ceSvYjDC14LbiT/9GN2sUDDNLia6TF"
    "d3j39W614fhiMQG+4bmR1+AL07TQ2KvesvaFTiFBEqZqsqHH66wYG/veeObBYeaNc4T2nP"
    "5+wGr8JGT84UWOdCrt06kkzWxpZr8O1KWZfTDo2SmypTcy+cR73BuzRkRjABZcb2/7w8vB"
    "8KoHXPoZuewrlz2gIWcQNWCXErXcVmtbUBYnPdU8RLI/beftkajpBD3bqgtRCTeSgHw/vq"
    "R9mkZH4jryQMrcFaNDy1aRaYoW8PRdyFGqNmw72/c+ZOmpTRdp7fLUyoNG2sx1gZD16+o2"
    "wD8/mS+RttGR9lfjviPw0Ufud7P89JbXUv232zSfm17fsCr1gBL1nPQpunQASzdsegvSoa"
    "p1wf2W1b1ddcGG2FinnxHp8mq4S+MJYBs8ISIoult577tTuVJd94dNLD+s974Wv066n56r"
    "HozDRSVohPB4BCh3erIi5rGBDd6wMJU/KwF7659yuj+PV7Yml9Rjs8VLjIDx3XDIzXBzQ4"
    "hjhlMwqRluEDQjn5XBNSsTvICYjoNmmOVLQ9eKhXoCikazgk3GtWnMkWV53ACG6Sw7tsEu"
    "5Y1ARDlw8ikPC04+pfOA3YtF3BC0kIqe15hOtxIqp4j+eOTmq7TmqTwzy9kXUUrJ5kazeY"
    "EJtpal+BwjlafRNpnP0jl3GOccXcZFRytlpFB4FK0JKOwhNaIhLpJLpMMt0sYb0hEnMXp3"
    "u5kb2Jx2quk2zOUcoY2BsQAQuNSOH+NpCW3mmMAWWFDd8s3v39H295+63HPhXtfY9NzpHa"
    "m2e2HGo+sLol3wN6D3WQHaxA64aDNmdW0sufetoZmQLrPyWm5u8yabbY1JUnInQF5o3eZN"
    "hrbzlYkT5npl0obKDnhvbJLyKA/ctZTWdEVSQS05oDoeS4hyIizAe86Bc3R2cmc3HUpdnt"
    "iONSrQsb19ha7CY8uYav0RSq4iIJSI+Zy3G5HWfRyZVCEX7s1gwo9+W2HLQlrzsqyoaC8h"
    "RAMqmQLUZLEoc+iq3uoi3TYyp6phhs1xZtfkyamSzvD2LlMNcREOCDVqidbn5ywInISR+9"
    "0sNyF2WgZHNuRzFK6QZdFXAyaaI/yINO65gwQ4W0+dQ+m7AFrM/IOmyZp03fPEqXV+j/j+"
    "OGMhPLy8hv6FrkLBNln3sSrzcySdhgICi2rPTpaA96a+v1E6EhvnSDz8luqGWQ1VK5rh+Z"
    "MAN92tGCNrtHvRWsKTsw9MtjAf443z5j8PLkt5GKt36HpQikb3bgYIR/ZRqvpRnM9yeXLP"
    "Mjy5Z0lPbiD788IcULQP4loORkrdQ72zJt+evXB1OUD3MYyPzudZJmO1f9Ef/MZcmp6eNi"
    "PKxUX/dsquwfkcrW127W93ylgZTgdDdvmPDTQhsTFpShYrtZktUa3idB9OQNEGibNv/w0z"
    "/1ZU55sLlPaskzkjdPJczgLnch6monzDhnnVWrl3GnQxWGNUElgBsPBJdVVnkVlPoLlNwT"
    "ZKGBcRWxtZzVk8KxERbgDWFxFUOp8Phsr4m1g+nwsCtuffpn0lrrzgB0IVELPQZrcIUSXr"
    "Ygs3vIXFR+DZSqC8I+IaJZVxjKY4uBtexXPEa6qlnuIQvt3N8m47tdmKneKw3lhLz72zNt"
    "EjNjYWtRr45qMer785X0JCEB0M7Avv28lkesIm4ud9iY50qKrbF2wKls7nQzqfXfYWWahC"
    "JE22rst6jOpIr/Snel6MfYIWIly9LsBGdxLd9HRFr72s7iaLqEv161jULyotbTeyJVK/wr"
    "cz1S+6ftlhO3en+pXOd2EEnw6GR2Ra/pFrcx2zwsGhaFbmYaphctfLIU9PbZy7JV2jco9J"
    "5ggJV/zd4YtYF03WAToXd5Pp6KY/7gHv04woV/3htAf4vxmZfJtM+zc94Pyfkf6NMrjuAf"
    "6vGREMF++i5YliZK0L7NWiCt8bmiALIz1W5LVv8iRobKgIWyp9NDIJFFh4mcGiGKUMFxUI"
    "FyUX/AJCRUjchjBp3UagtEfSoW+XPSJYuulUSTnRI31zTpJSRhOTwsyFiT7FhinnY+6COE"
    "orQRasGEmbLyfEAsomn01zMISPIsn66BBOeIbEQzqJduFz7C9i3R0Z2D+8UbXjHHvBdBaf"
    "Y582tiuAehTrrqVQC+b1bqjDSkMFUCteP8e1/OWFWKBiRSCm7wGGd9fXQoxdraEa2eH11G"
    "qco3pWCtIH8t2HxbfIeR8T7xne+3jL6r333mAx1ohVrlVdk3yX4160Ec/PQ3+C2GZ9WZgN"
    "1Zd489lUyX4qtFguGULRl6j3mdGxF7Ko631s6LwHGSFpkmbYzYiQHN/ejs5XZTAdDK8K+t"
    "09sh5wP7DtHdPBb/0ecP7PSH94yTZ18H/NCIZkZgTtZs9BsoM6T1ijQrwwewaXV/0pKwHG"
    "qP3IlL/r/PDMcEV5Ga9mjFRWbWha1YaICZdQNYTTL8VDISJuRbys7pgB1RZUlg6SRDuj1l"
    "2IRha7yw5ZlkgriyrKBWVeglhKvSZLPejxy0RrfVuO5Wl9SM43mfMLbFq26m/mK1OTStCB"
    "5HmTec7KTJRRZMN0ksNN5jCvzehlrpQ4SSlJLvndZH57Tj/OOJZjUjh2LSSXGQKCNAweQy"
    "kJtJhYwixMxOBDckNMJCqBvnMsB4Sy4K94DBeGNk4mgU2MWpn6+ApTH+Up6W3jukDpct8+"
    "EREoWDYnRiWX/vSlv5QKK/MCZeblwRCW5cnqT2eVOZZ7y7E8ROLfsQKckfInzl919YAKwG"
    "177mpUY8qRt+qI1AqQnfodtRPayNpTOE01UVVcdAaxS/n51zHSfSGbIiSidSNaIih+1JnN"
    "O9DQam3YiMy3YzQ3zGjOZGqjbuaRH0Fz1Qza5zr3Yw51HZl/sdjxjayWsoVMdjrHm9+dXM"
    "Hf+fv/BJ6WWEe8eJmJKPMsmx3GaXVZ8TPCL0NiPSFTfPZHDc8Q5h9bc8Op+kCfo2qYDu/k"
    "ScGF0lVlLTV2bx+11HzW5U3c8glksla+U4G9CVEA4yiVBDoH0Av6cGSuTVysZl2MTEKdA+"
    "q0VPjJii43qWI7NQX+mC3305OPH3xxzb5kCejJjXJ9LTrpR8Mwo/SSGM4oVftqbbzLVcfn"
    "XUYdn3d56/hklRdPqeSTt654wyDO0h5qKisuw3xluNHwAI8gT+55jWl3ZTLlIpTyOOmmcT"
    "nhXz7MZlwFmXi+7AhsdvdON8tQh0GbSrfevsTGfS0Gbm1bMtmWamFkI11rCpG0UNU/OTvL"
    "oTPRVhkHx50ldvPRSVUAYbd5C9GtRSNlsRBhWY70vVwhElkLvOCmrYMuZj/+H2M97og="
)
