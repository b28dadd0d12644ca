from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "scheduled_job" (
    "name" VARCHAR(64) NOT NULL PRIMARY KEY,
    "last_slot" TIMESTAMPTZ NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "holder" VARCHAR(128) NOT NULL,
    "lease_expires_at" TIMESTAMPTZ NOT NULL,
    "started_at" TIMESTAMPTZ NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "last_error" TEXT,
    "runs" BIGINT NOT NULL
);
COMMENT ON COLUMN "scheduled_job"."last_slot" IS 'The latest slot claimed (its scheduled time).';
COMMENT ON COLUMN "scheduled_job"."state" IS 'RUNNING: running\nDONE: done\nFAILED: failed';
COMMENT ON COLUMN "scheduled_job"."holder" IS 'The process running or last to run.';
COMMENT ON TABLE "scheduled_job" IS 'One cluster job: the last slot claimed, by whom, until when, and how it went.';
        ALTER TABLE "agent" ADD "absent_since" TIMESTAMPTZ;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "agent" DROP COLUMN "absent_since";
        DROP TABLE IF EXISTS "scheduled_job";"""


MODELS_STATE = (
    "eJztXW1zozi2/isqf9mZqmxX560767u1VSRxp72T2CmbzGzveIslRrbZxsILchLfuf3fry"
    "TeQWDAYGOiL4kNOhJ+jjjSOXp09EdnaWrQsD9I0ym0bdn8DlGnC/7oIHUJyQfe7RPQUVer"
    "4Ca9gNVng5VXWUEF+yWfbWypU0zuzVTDhuSSBu2ppa+wbtKmOhIwzLmOgE3kyKUPYIiMDc"
    "ALCMZfpT+fXX4C5ox9ZXUC3QY2Ni2ofaDVa+aU1K+j+c41rZH+3zUkDz6HpIhF6vv9X+Sy"
    "jjT4Bm3v6+q7MtOhoUUw0jVaAbuu4M2KXesj/IUVpA/5rExNY71EQeHVBi9M5JfWEaZX5x"
    "BBS8WQVo+tNQULrQ3DxdbDz3nSoIjziCEZDc7UtUEhp9LOAwTXOooyGMrKuCcrSiehDk8i"
    "hKt7aWoiqkryqDb79XP6CH8+O734fHF1/uniihRhj+lf+fzDaToAxhFk8Azkzg92X8WqU4"
    "JhHIDKdKQsVHuRBPdmoVp8dKNSMZTJ48dR9jBtLsxL9U0xIJrjBfn66SID01+l0c1XafTT"
    "p4ufaYMmee2cd3Lg3jljtyjsAcxTC1IoFBUnYb4ld7C+hHyoo5IxqDVX9IP3oQzw3oUA+c"
    "CE7AN68gM1akJclWdAL/cfemNZenikzS1t+78Gw0+Se/TOGbu6iV396VNMTX4l4Le+/BXQ"
    "r+Cfw0GPwWvaeG6xFoNy8j879JnUNTYVZL4qqhbqnd5VD7WI1uHbSie1ldB6VLKFWj8SLX"
    "uYZKrZgi/EHpZ5uaOSFajZ7ZVCy9Vr2VBtrKztUnqOywpNN1nTKoEeK4Wmm2GR7ZPOI7DP"
    "Vcw76Ux+9p077WR4JfH9QvwEfY5+gRsGc588koqmkIOq5zB59RwZvD+8DuRdDd5oS331nZ"
    "9IvyK/nvxmiJ25uTS+kW57HQbyszr9/qpamhJBm94xz8zYFb9s8tbybBm/oiLyBJr7M+hD"
    "R3DnebCeQjJ8V7/INqc1HU6OG/k7sRZzFen/qzJpUgguVd3o/Ev4lwf0Lx0dJHBNdy19gW"
    "q8ykOb0YhfeXaZx7EkpVI9S3Yv6lqy/wUA9sq3Ed+PH/Pg+/FjOr70XhTflWrbryYxmEWD"
    "JAnBNiJ+eZmrR19m9OjLOOKWaaT06B5aLxMzg6hH5cruD+tgPCsAd0e6fegPukDVljqaIO"
    "muN5DJN7+mgmo4/ZRDC6fxOXWgBHorqgPdVsjIrL9wFHFtEoxVlDIuhuViSngmgnVpwRsz"
    "9+vaXA+H9xGv5rovxzB+erjuEewZ9KSQ7kzfvIEzFCFcqFiZqit1quNNgYlIQm5/7sd5HP"
    "DzQ89DYt46w8Yy1+UirylVCN+90b77s009Jlt3B4ciCo/LCk03WdNiSSXdmLZ3SWW90kpq"
    "PSoptN4UrXNedvfpA62HIzvFArMcSRGf3R6fjYfSdgzTDmPVHRnYeaO1nM5WNGgbY2bYHP"
    "fLlfvyywgaPqIp4fEon6glsEcnfCtd+Q43uwK10klvPtoJ3RaIbJu8rWTow/r0O8Q7QiWz"
    "SloKFRmyVqQArASjkVtZS7FirvGS2Bd1viteN6SqB6emtoJlohdo2QyHXcEKVdUitGpdrn"
    "TMO2+90jf8GQuWzhCTa8myIwHagnYCKLdnSqsARBbMTAuoCJDfC+cWU93/AFKPDV51vAA6"
    "+eBMHhy1/sl2IsPA0ucLbPM4uDW1Ivi5zVo/Fat7Na/uWXCmvxVa1vMlWohx9QtJxCwVXj"
    "kNywhyeQxiQS5vf0wsTyRUsI7fwyqHYB2/F017tvh5UyzCnZArFd9umGKrpgOIBQSxgHB4"
    "O1XdAgLfcFQAdF5CfcPsRV6AE8YyAi95CjB4ur8/FKv+xkTYCS4l4lTerZOsQNU0VChHoG"
    "q6trG5hBbdr62iSGiIF3HaVrwIJ/8EcG69YWgh1aCaEaT9d0Tab5gtEZx9WndnP+jWEdML"
    "G5IinTgq1sKuXAfYL9DSSXUcpDN54mGxPdLE/SthsPkDZNP44YZKXHRNKWybE4It7Nh12G"
    "gRVU1Hv71RVcEvbZvWBb9UhIcaDvZh+KWCDCjIgJVhJciAR0EGPBbLVysbMDJacGKt8dEk"
    "PeAaH8aqzWgiYqCCeNcI97qOuJFtrOdF8PXKCz5YDNskH8yZ2SnFqY0JwT3Gm+Vf5P2EnE"
    "/P8lAcz9IpjmcpeE/NNcLQKmCLk4L78x0/Ntouh+wExJi0x5km/X08HKTYipBMPBCjTzH4"
    "P2Dodm3Idv46W6MpxQ08r3WDPIn9gTb7t7r6dwaeFKNIDMbrxz89SP+Id/Gb++F1PLhCK7"
    "iOq0TH0NsQkdt8h2QqCUA3yIJf5BkeL9JHx4vE4KhrEGEdbxQbTi3ICUWmA80RbV/A/yoP"
    "4lfpiF8lEBfR/nTojzPuK6L971HradH+RCw6T4iU5WPbdWd5yzLUHnLz/VFi5JLydo/zed"
    "S+NoK038WII4ZIwSrPFyoOk6zO24rUwdYijhMtsRhxyMUI12hxliECc5a+AIGDMjUnU0fr"
    "5TO5Fydm/9EJfidvfdrGKl6zZw75SbQO+LaynAPEfIzc3+8+lde3Oqww+W3sC+u62U266W"
    "5g9AnqbXNl6ablJmDdS4N7QzPk6NT8i0gzc9Pa1NwMUdNcR05eV7rRoNbGLEheLBtDS/H3"
    "PdTYWrU/x14//wdOt2mdNPrm5pVSXAkFW/NlJ9TOXX+gyKO7B+Xp8bE3ym41bLPytxySKt"
    "a6WFPd65qqM4bkBzYQEKQ63tqI+4omAM2IwwciLVypPs+1Un2esVJ9nlypDj9ZAmmZGBM+"
    "0jGxFmzdyQoB9v4hZ68z+RHA++HgziseX3yKdW9/7pjs3dtPggik9wj9oPdbQfSpSBeQPx"
    "M0fOwNuoD+nSAyaD2Ohnej3njcBaEvE/Sb1Jf7gztlOFBunsby8KE36gLOxUhJ+Wt/dKs8"
    "SiP5W6Rw6PoEkfqH97/2brvA+zRBRC1jesX5T75Lg5ve/T275H3slHlT86zCn6evwp8nVu"
    "HDU/Ay/SUsv8ce89C77T89FO0090PSacifCXLku8D5P0Ff+3dfu4D+naCnkXOuiPOfKG9E"
    "FH8j3RPduZ/KqK76HFH+1L/AQBaWad8C52mugew0YyA7TQ5kzgZub2aWwDqdT5EQFKSK7M"
    "GuBKliCbFKJ85F9BKWESqpXCWB916UDJqUbMH0bw+k0Hi8pBTkYqNrsY2ufnrw4iyImKhI"
    "MNYc1kOS7BKLfCZUnbHHMS4oUowlgzEz3bKx4u0ZU7Q1LPFCpVYiXq0mv1qkKqJCFn4up3"
    "duBULnTdZ57FXd+V0XOm++ztlr+lIy6W5EVOi5yXqeGma5lLsRQaHjRutYMP5bxv0WjP/3"
    "qPU0xj8nxAGL+b0xKeH0irza+0c4iGsWgjcuJjqvyEnVnJTlfu+sAOf8O2Ma1p3zIhx/lV"
    "NSlvPGuwrgbXlC+NgYXzgdfAjzKdZfdKxXky5Mcmpr7a64Q+VWO0qwxJ6vrRCRqlWD+Wcz"
    "y1zuBpY4YLXkLibfaKXuZgqbtW27mhQ1XHjreRbyAgJ1rekY0J9tdIGJILDMV7CCFpguVD"
    "QnQuwcVExKvqgGGVTBM5yRARGoSAPqjAyx7NPrwgSargEdJ4/BqK2V7fnfIvskXIgq3Qwk"
    "NkPsczMEgyYBaz6uqifbZAp/52bUk2RGFHY+TNBYluSnsXLzVRrc0RvR7xP0OOoPR335W1"
    "AifmWCpPG4fzeg97xPE/Q0CK4Gnxmh+XE4uHUZzc5HSq2We6OBdE8fvqdIt+w+5+IEydKd"
    "d9//6Fwd9R6Gv3rX3S+0PUredppzPuUjVT893jpIuR/iVucwhGqx7+FA+x6cYaQYQzcQEU"
    "TQbIWUIIKSsZ0M4Evn3LBd7Da3omYbcX+LSbCvRHJ2FUjOpoLxt7HceyDGnP2foN6D1L/v"
    "AvavjCGrfntBBPVCcxmOpAikJmPUEZiKcqW5wi0YNfZAlxZL2OnoH+diZp4l7Ijrl9OQRW"
    "TEOtv2xaAgscqO8fPWJaU6iUXQI12r6HEk9cek/NhwakwqHD3eGpOywoXrzPYvoj2tivbQ"
    "LIDuQlpeRzok0mQXobFutG4rOnKO9OSsB2QdThmTPPT5lPXjX+E5lWTqsjCtnbzkWBVN7v"
    "yt8I9dvIs6bjEx4bLlcdlc0Apvb43Lib2t4hBX4SGneMjuy8LSdxek/CYlRcAvdZB3U1uX"
    "gjgqK0BOgiziPFWhKuI8+4nzpNngCuBtOw01Oe7koflGTGkFKLeeS80dfAqTfuuPWlKmZm"
    "rA0qVxbo1VYrfcVurcEEFACgMTMTqbI94Fqk9sozdtk1Ha6MeZblAW29qGNlARYDqnwvAF"
    "WhtAY2DPqg2T5Lka2+HmMA+MO8OxaO5yz7MNLJ+ItzZpWD/JiLeK41trPGBU7PoTc/9jQV"
    "XM/fc/9xc7KWvdSXmYiemtuSQP33uB7Ackpqbh25mTU40VVKBfcuv0VAJTc7nUMdE4cKQB"
    "kwbIxGADMVioRLMawM7MkVJdaQ+xkxPQnWravmbvH5qhfCdX2UqZ+53OHQtNAK/1+XuZA/"
    "7l7Oz8/PPZx/NPV5cXnz9fXn307XzyVpbBv+7fUZsfmcbssg8jZZg9gmXJxswU4+9DXpDj"
    "ci0Eu/oNGyFjU8ieROXaNHPci2nJcR5LxlH1qeex7GHjxmHIPvVs0VA3hqlyOn469CERAf"
    "0O0Is19nQz1K419oQvfSBPBBo6jQB3eG6Idy/TB2GTfupaBWVzBckD78FxG0wEdGyDV3VD"
    "XQYa09bWFm3Edx34QfCS9XCD3F4JFm5+cdeP4qFu4Xs00vcI6y7v1Dgs08JpcfU+iP9SFO"
    "roYakmT4lZRgpzjZ/NN7aMRuMWjlGZkt8PaDaUhA06/Csh3O99ut/CIREOyTuCnp78WHrz"
    "gS+8Rz77CiKNAljQ8j/2Brf9wV0XuPITdNuTbrtAg04nasDOAjLHXa4wJ5VFOj00JLK/cf"
    "djvdPMytaFEXzDigtRCYebI74fr3ufU/sjcbI9kDKZ7IZqYwValslxEdJ3Dkal2rBVZO8p"
    "eERM653EtMThAG3WOsfI+rkwGxDJHE8XUFsbUPu7+dzhRDMj90+yIpq2V1L5j1s0X0DTWN"
    "PM0oAIdR3KAxk6gG2YmNxSSVfVTsDzhuaqXJ6ANcK6QT5DdMIyWC7MV6Bj8AoRJ1Fm5bVv"
    "p1+kBjkPSwY9bJyzlghDRkSTTj2ohota0Ijg8RhQFn6jiYdjHRv8RAP6/lsJ6FP/nDMQd7"
    "y2NTmkHpsvXqIHjJ4GA+aGW2uEHDecgEnccBPBCfoi9e9pas+ZqpN+0Ay3fGEaWrFFh0Ci"
    "0aqgL+PKMqfQtj1tANNyhh1s0kt5Y+FRDZxd5VHB2VW6Dui9qBIMqNpQgW8rnbxuJaacPP"
    "njsZvv0psn9swq519EJYWaG63mmY50e1FKzzFRcYJkk/UsgnOHCc6RYZx3HErGYr4n0ZoF"
    "hT0s0jckRDJk1IbUbSfh2ydZARKHIlFs28lqbS+AOWOhi5UFX3RzTeaVkM28nJM/aN51BI"
    "me6BdW94nD5CKTMrZBmbcHpapqd4iICNrXIWlfrnqLOGAhkSZ7YCXjUrWkWvNf9bwY+wIt"
    "RLh6bhHt3Ul009ktXnlBbRFce7FCdSxce2It8QO0bZUNnInpV/h25vSLjF9YWYZKVpo7+3"
    "faGSJn9k0NnfJ33RZ5lPhI9pewuEv6FeleGseDSp9Rvbesw8OBLN3IXeB+yM453IxFB5Fl"
    "eH9T32dT2xSJSXnlm9zpGxuOEnnmD5FnPjnAFzAqXOE2hGLrdvqE/5EOfbv8D5FPW+TTbh"
    "fIHB8vJ8QcySZvCT0YwiIv5J4zGMajHlG0y6R/jlR3ZGD/8HrVlkR7nNdZ5DQ8cE5DkTpe"
    "pI4/CpwbnDo+Yr55wfqYec+I1sdLVh+t9zqLuYKUpqu4Lvm2QD3HoFCW+Jo9/6uqY1qXrd"
    "Ouukv0nr4q2a2qpNY5gjD6EPW2Ge17FZ0Dur3Z0OY2sSLSpJnhScaKSPBWlN15seZR5uoM"
    "uP8m9eX+4K5g3N0T6wL3wwRJN3L/114XOP8nqDe4pVsw2L9mLIZkMoC2q+cgbKDOq67NnT"
    "TnhdTTv73ryV3gSPvnX/onGR5eGa4pLxPVjIkKvnaT+drJqQb39UuJUPCEW7FeVveaAZkt"
    "KJT+kUQ7IxVSSGb/hLHOX2drNKU4gue1bpA5pf2BNvu3gravsTSy6ES5oM1LCAur12Srp3"
    "r6suDK2JRTeVodQvNN1vxMt2xMVGavyG+EpXajcSoQOm+yziE9v6SEqsNyQsNN1jDbP+gx"
    "V0psG0+KC303Wd9e0I8pjnJMCq9dc8UFQ4BDw2BrKCWB5gsLmLlEDNYl18iCvAy5W/tyIN"
    "iaDb0V9+HC0MbFBLCJXiuoj++Q+ihSQrZN65xJl/v0iRUBPq083YZGpcTQnz70l5rCCl6g"
    "YF4eDOHDnMjdQnOQQWcVHMu9cSwPQfw7VoAzKH98/qo7D6gA3LZzV6Mzphy8VcekVoCs7F"
    "fUTmgjY09hmmqIO+qEinkJ11zJL7+MoOEb2RQjEc0T0RJD8aNONm9fg8uViSGabkZwalpR"
    "zmRqoZMsXq8eFFesoHy+VPGqYUDrTzb4DjddQHwtaL3QPNf/driC/2bP/zN4XegGZMnKLE"
    "iUZ2Oaddc+ocnOnEMuVWS/pp6LWX0bXP6xPTWdLA+kHUXTSffG4sjM48id5qsuL3HLFxBk"
    "rRxkrdALUQDjqJQAOgfQM9I4tFaWXixHXUxMQJ3nFMwUKvx4SYabVLOdSoE/Zs/9/OzzJ9"
    "9c0y9ZBnr8IN3fJyMhS6jpakaqJT6cUan25do4zZXH5zQjj89p3jw+1zpSrQ0f5pRMPs8b"
    "7EzhjwvirNmDS3X1VxMIjtf9gTT6xs/lc82hxl5/k3uSWOZ7j6ya8uduHOLEDXF8Zn4tJ+"
    "LLh9mMK0FLny46HJ/dvXOS5airQZlKt97u4uO+Fwe3ti2ZdEs1d2UjfdYUEmnhVP/s8jLH"
    "nImUSs99SO/FCFDkpSqAsFu8hejWMiOlayHctBzpe7lCIiL3d8FNWwcdzH78P76y4D0="
)
