from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_ticket_tag_organiz_c598c2";
        CREATE INDEX IF NOT EXISTS "idx_ticket_organiz_871793" ON "ticket" ("organization_id", "id");
        CREATE INDEX IF NOT EXISTS "idx_ticket_tag_organiz_9964cd" ON "ticket_tag" ("organization_id", "name", "ticket_id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_ticket_tag_organiz_9964cd";
        DROP INDEX IF EXISTS "idx_ticket_organiz_871793";
        CREATE INDEX IF NOT EXISTS "idx_ticket_tag_organiz_c598c2" ON "ticket_tag" ("organization_id", "name");"""


MODELS_STATE = (
    "eJztXWtz4jgW/SsqvmxvVSbVIZ3MFLO1VU7iTtjmkQKne3qGKZcAAd4YmbFFJ9ne/u8jye"
    "8X2GCD4+gL2JKuJJ8rS7pHV/L3xtKYIt06lSYTZFmK8YhwowW+NzBcInqRFH0CGnC18iNZ"
    "AIFjnaeHPKFKvJRji5hwQmjcDOoWokFTZE1MbUU0gxXVkIBuzDUMLCpHg05BH+svgCwQGN"
    "5JPzUvLoEx47c8T6BZwCKGiaanLPupMaH5a3i+d05rrP21RrTic0STmDS/P/6kwRqeomdk"
    "uberR3WmIX0awkibsgx4uEpeVjysjclHnpBVcqxODH29xH7i1QtZGNhLrWHCQucIIxMSxL"
    "In5pqBhde67mDr4mfX1E9iVzEgM0UzuNYZ5EzaroAf1lDVXl9Rh7Kiqo2YOlyJAK5O0MTA"
    "TJW0qhZ/+jmrwk/Nsw8/f/jl/PLDLzQJr6YX8vMPu2gfGFuQw9NTGj94PCTQTsEx9kHlOl"
    "IX0FrEwb1eQDMZ3bBUBGVa/SjKLqbVhXkJn1Ud4TlZ0NvLDxsw/SwNru+kwbvLD/9kBRr0"
    "tbPfyZ4T0+RRDHYf5omJGBQqJHGYb2gM0ZYoGeqwZATqqSN66l7sArwb4CPvdyGHgJ4+4J"
    "R1IY7KN0CvtLvyUJG696y4pWX9pXP8JEVmMU0e+hIJfXcZUZOXCfjSVu4AuwW/93syh9ew"
    "yNzkJfrplN8brE5wTQwVG08qnAZapxvqohbSOnpeaTS3HbQelqyh1l+Jll1MNqrZRN9of7"
    "jLyx2WLEDNTqsUWi5eyzq0iLq2dtJzVFZousqahhR6ouaabgZFtk86X0H/XMS8k83kZ4+J"
    "006OVxzfj9RO0Ob4E3rhMLdplSCeoARUXYPJzeeVwfvDbUBuqP9Gm/DJM35C7Yo+PX1mRO"
    "y5uTS8lm7kBgd5DCePT9CcqiG0WYzRNCIhXtp41LK5jIZATGswdR6DVTqEe5IF6ypkg+3q"
    "JdlmtKbDmWBG/kF7iznE2v8gl6aJ0BJqeuNPYV8e0b60dRDDNd209ASKsSqP3Y2G7MrmRR"
    "bDkqZKtSx5XNi05P85AHbT1xHf9++z4Pv+fTq+LC6M7wpa1pNBO8y8JElMsI6IX1xkatEX"
    "G1r0RRRx09BTWrSM18vYzCBsUTmyh8PaH89ywN2QbrrtXgvA6VLDIyzdyj2F3nk55VTD2W"
    "UGLZxF59S+ElhUWAeapdKRWfuWoIgrg2IMccq4GJSLKGFMBcvSgjtmHta0uer3OyGr5qqt"
    "RDB+6F7JFHsOPU2k2dM3d+AUDOHbZgjXq+mOWg9LCq1XResJDINTe1/rQUMlH8+QICnohu"
    "10Q9Qy3JN16Eeye2VgZyUfEhpbXg4istBoJcwmHLmPnwZI9xBNYXvCy+M1gT3MPa409RG9"
    "7AvUSqOt+dWyyFsgsiz6ttKhj2iTR0T2hErhmdQUKjpkrWgCVAhGAyezGmFVKkVqv4NJHK"
    "n3dm4gSe1+IBNN2pAAK2F6Ath64oRlAagsmBkmgBjQ50Vzk6v4V0DzscCTRhZAoxd2D2/x"
    "uH9YtjUKTG2+IFaS309JpQifoGpxtoJRLJlRNNFMe85FJXoSNcS4ePKKdku52dqgjHBoi0"
    "AsHNrqT1xkoauEp9Nb8H8Rnk5vRdNuXzx+yUdDxuR2IiErpthiptWC5RUsbyXALpzlTe44"
    "CgA6qxNfxfqLrADHOssQvLQWoPfQ6RzLk+/awMQml2I8lRt1somomgQSZSCqJmuLGEtksj"
    "1iEIeooSTGaVvyPH6AJyAh6pkgE0OdaUY4Cr4hR8GK9SXCT5Dl3TgMumVwesGOJE8jDovV"
    "sCmXAbYgn9LRry/5JHyl6qZ14SslrOiKg30cXynh2CIcW/bCqkzGIPRGJ9AG0Tc+nTuIdj"
    "XFbggU5rzwIamtCWTp63kefN30wrVhq2uDPfqq+b10YoIHpE6UT8ph2JOzZhZvnWa6t04z"
    "Be+JscYEmTn64rjg4eb37yvdLwf6CUQILS9hnvSfYb+X0lcEZKLGsjYh4P9A16zSkG38a7"
    "bGE4YbGK81ndbEOmXF/rus9r0BT4ZRyE522/G7rvRbtIlfd/pXUQOYZXAl2Kua8xiCvXqL"
    "Wk9jr2LcShaTn2/93nfXT80OwznmxqhXiZGzFr8nRoFl/zqCdFhy7RVDpBKYNG/MD5MC53"
    "VCqkxuzWlXCaya3+LS+TTipyn5aC28Xo5pXNRl5nvDf84kStwikKx5nQNTWZYHeqZWMz9O"
    "2sPIeX6nVm7DavDE9Nn4DW+1m4t0douicA3KLXNlaoapkZeDFXgwNANz0ZKfiBYzN8yXko"
    "sxEW3rFkGm6jmJlVgaczIrrgBrPf4vmmxTBC302dkprToSKjHny0agnNt2T1UGt1314f5e"
    "HmwuNdiNZC85IJWvdMHaH5S1t7v17MD6AmJpPYl9c17RGKAbiHpfpIZrIeeZ1kLON6yFnM"
    "fXQoI1iyGt0M4kGemIWA38HDcRJ/JvymYm0+NNOv3erZs8Sm9Gmrc3nYu37u1H9fnSB4S+"
    "J3/JiT4TaQH6M8L9e7nXAux3hOmgdT/o3w7k4bAFAjcj/EVqK+3erdrvqdcPQ6XflQctkB"
    "AYSqnctQc36r00UL6GEgfCR5jm3+98lm9awL0aYaqWIQux/+m91LuWOx0e5F42dnlTs6zz"
    "nKev85zH1nmCs+Jd2ktQ/oAtpivftB+6eRtNp08bDf0ZYVu+Bez/Eb5r3961APsd4YeBff"
    "Cj/U+VN6CKv5Y6VHfO1S6qK35DvTcbzzGQBWXq59d8lmkgO9swkJ0l+DXz3S7uzCyGdfqK"
    "XUxQLNsVvmy3RASyiXMevQRlhEoKV4lvved1N4pL1mD6dwC3oyhfshPkYudWvp1b3oF3+d"
    "eOI6LiNIbqrBXHXQRmmmkR1XVtVqdrtIPGUzMRuq+y7mlWVIWcH91N74kZCJ1XWeeRV3Xv"
    "d13ovPo656/ptx2P0AqJCj1XWc8T3djtAK2QoNBxpXUsHHlr5tIpHHnfotbTHHkTbHCU87"
    "OgYSlxSp44Je/wCPvEWy54o2Ki8YqjE6pzAKHXOgvAObvDe8Wac1aEo69yygGESeNdAfDW"
    "/HjHyBif+3DHAObsw4ka0Yo51UKyc6vtZpdjHQHyKsESWzmOtJXDewtTt3QE39NtWztUGE"
    "y89bhVZYEAXE81Athj6y1gYARM4wmskAkmC4jnVIh/pofQlN+gTkcJMEYz2sMDiKcAzuiY"
    "wa+eFgaYalOgkfgpraWVsv1Ml5BnugNRoTsihPv5Id3POTQxWLN5B7qyVXaablwPZEnhrp"
    "n2xQgPFUl5GKrXd1LvlkWE70f4ftDuD9rKVz9FNGSEpeGwfdtjce7VCD/0/FD/mruQ3vd7"
    "N44PqX3JnFkVedCTOqzysird8PiEwBFWpFs33ru0Qwdyt//ZDXduWHnMXdYuzr7K5sb6cH"
    "9jI+VcRHud47iwCk/zI3ma28NIPp9IX0S43m1WyA6ud3RspwP40j7Wfp9+OzGjanfinlO/"
    "78kv2X7cku3GPfw6VOQu7cz5/wjLXandaQH+t0tHVrxDdwj1XHOZBEnBDMZJ1xBMeb1TE4"
    "VrMGqIo8HF6lwpa7Ih0y9jRxaSEQtH21c3/NMl9iSEa3d4ykmEEg41rbzHQJfPSXlkZyon"
    "FaRDt3JSZjBxmSf4CranVmwPO63KWRnKakgHRKpsIlTWjNYslX2nnX1xJmE1wDB0BHFKow"
    "5LRtAfU9Gy4PdCDov/Vb/fCeF/1Y4C/NC9kqndxZVBE2l2Fx+3BejUZWGYe1nJkSyq3Phr"
    "YR87eOc13CJiwmTLYrI5oOXeUBiVE7sJM+0mFBZyOvr1tZCdl4UfM5vThzUuKQi/1EHeOY"
    "J1J4jDsgLkOMiC5ykKVcHzHIbnSeuDC4C37n6V8XEni99qqCstAOXaOwcnDj6V+kS573qY"
    "Slg6folbuUripNvqOtfHCNDEwMDcnc0WbwHoObaxSMvgLm3scqbpzIttbSGLfaic65wJo2"
    "/IfAGMAxtDC8Wd50osJ/EgZ79z5zjmPcDZtWz9nk/wrVUa1k828K3ik2wlfjRMbGMTc//X"
    "gqqY+x9+7i+2Bpa6NfA4E1MJmdpkkTQrdWI2Tkmhn0Z89/Y19Z+bJll0Gm4lvuLp86yASA"
    "2nWs2Li0xrGBcb1jAuYktG9KXKgbCTvIbolnMMcZpjxgZn+1THjAM42x/HQaMwt/rYdOyQ"
    "g9mPvwGUWTM1"
)
