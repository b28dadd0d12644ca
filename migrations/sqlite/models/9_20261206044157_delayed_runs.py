from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "delayed_run" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "job" VARCHAR(64) NOT NULL,
    "key" VARCHAR(200) NOT NULL /* What the run is about. */,
    "due_at" TIMESTAMP NOT NULL /* When it is due: with job and key, its identity. */,
    "payload" JSON NOT NULL,
    "status" VARCHAR(16) NOT NULL /* PENDING: pending\nDONE: done\nMISSED: missed\nDEAD: dead */,
    "run_at" TIMESTAMP NOT NULL,
    "attempts" INT NOT NULL,
    "last_error" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "finished_at" TIMESTAMP,
    CONSTRAINT "uid_delayed_run_job_2ce46a" UNIQUE ("job", "key", "due_at")
) /* One run of a delayed job: what it is for (`key`), when it is due, how it went. */;
CREATE INDEX IF NOT EXISTS "idx_delayed_run_run_at_1c8b84" ON "delayed_run" ("run_at");
CREATE INDEX IF NOT EXISTS "idx_delayed_run_job_bcfb6f" ON "delayed_run" ("job", "key", "status");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "delayed_run";"""


MODELS_STATE = (
    "eJztXW1z4ji2/isqvmxPVbark3S6s9xbt4okdJqdBFJAprd32PI4WIC2jczaIgl3bv/3K8"
    "nvtmxsY4Nx9CUBW0c2z5GOzpuO/mwtDQ3q1vvOdAota2z8gLjVBn+2sLqE9IPo9gloqauV"
    "f5NdIOqTzturvKFCvJZPFjHVKaH3ZqpuQXpJg9bURCuCDPaoVgfoxhxhYFE6euk9GGB9A8"
    "gCgtHXzl/PLj4BY8a/8j4BsoBFDBNq71n3mjGl/SM837mnNUb/WUP64nNIm5i0v9//RS8j"
    "rMFXaLlfVz+UGYK6FsIIaawDfl0hmxW/1sPkC2/IXvJJmRr6eon9xqsNWRjYa40wYVfnEE"
    "NTJZB1T8w1Awuvdd3B1sXPflO/if2KARoNztS1ziBn1PYL+NdaitIfjJVRd6worRg7XIoA"
    "rs6lqYEZK+mrWvzXz9kr/PXs9OPnj5fnnz5e0ib8Nb0rn3/aj/aBsQk5PP1x6ye/rxLVbs"
    "Ex9kHlPFIWqrWIg3u9UE0xumGqCMr09aMou5jWF+al+qroEM/Jgn799DEF0986w+uvneG7"
    "Tx9/YQ806LSz52TfuXPGbzHYfZinJmRQKCqJw3xD7xC0hGKow5QRqDWH9L37oQjw7gUfeV"
    "+E7AN6+gM1JkIclqdAP+7dd0fjzv0De9zSsv6jc/w64y67c8avbiJX332KsMnrBHzrjb8C"
    "9hX8c9DvcngNi8xN/kS/3fifLfZO6poYCjZeFFULjE73qotaiOvwdYVobwW4HqZsINePhM"
    "suJqlsNuEzlYdFJneYsgQ2O6NScrl8LuuqRZS1VYjPUVrJ6TpzWqXQEyWXuhkk2a50HoF8"
    "LkPvZJr87IdQ7eR4xfH9Qu0ENMe/wg2HuUdfScVTKEDVNZjcfo4M3p/uAHKv+jPaVF884y"
    "c0ruivp78ZEls374yuOzfdFgf5SZ3+eFFNTQmhze4YZ0bkitc2fmt5toxeUTF9A835Geyl"
    "Q7iLLFiXISm2q9dkm9GaDKfAjPydSou5itH/qpyaNoJLFemtf0n78oD2pc2DGK7JpqVHUI"
    "5VeWgxGrIrzy6yGJa0VaJlye+FTUv+PwfAbvsm4vvhQxZ8P3xIxpfdC+O7Ui3rxaACM6+T"
    "JEbYRMQvLjKN6IuUEX0RRdw09IQR3cXrZUwzCFtUDu3+sPbXsxxwtzo3971+G6jaEuEJ7t"
    "x2+2P6zespJxtOP2XgwmlUp/aZwG6FeYAsha7M6FnAiCuDYqzihHUxSBdhwhMlrIoL7pq5"
    "X9PmajC4C1k1V71xBOPH+6suxZ5DTxshW31zF86Ah3ChEmWqrtQpIpscikiMbn/mx3kU8P"
    "ND6yERa51jYxrrYp7XhC6k7V5r2/3JYhaThZzFIQ/Do7SS03XmtAypJAvT5oZU1iutINfD"
    "lJLrdeG6YLI7b+9zPejZyeeYFVBK/+x2/2zUlbajm3YQ6e7IwM7qrRUMtrxO20hmhiUwvx"
    "y6L78Ooe4hmuAeD+cTNQT2sMK3QsoPuNkVqBWio/loFbotEFkWna106SNo+gOSHaEa804a"
    "ChVdsla0ASwFo6HTWUOx4qbxksoXdb4rXte0q3u7p6aCZeBnaFoch13BCnTVILQqDVfa4l"
    "0Ur/QEf0rA0l5iMoUsWx3AnqCdAJbbM2VdAEoLZoYJVAzo74Vzk7PuvwDtxwIviCwAoh9s"
    "5cFm618s2zMMTDRfEEuUg1vRU2R+br3ipzK6V3F0z4Qz9JorrOdRNBDj8gNJVCzljpwGaW"
    "RyeQRimVzefJ9YFk+ozDp+C1EOmXX8VjjtyuKnTT4Pd4yukH+7ZowtOx1ABhBkAOHwcqq8"
    "AIJYcJQAdNaE+prJi6wAx4RlCF76FqD/eHd3qKz6awMT27kU81O5t07SHFXTQKMMjqrp2i"
    "LGEppsv7aKQ64hkcdpW/M8OfknQHDrlUATqzrjjEzaf0NJ+zWTJTJnn/Xd2g+6Vfj0goIk"
    "zyAOkzVwKFcB9jM0Ee1OgHRqnniQbI9p4t6VINjiBbJu+eG6Sk10Tcktm2OEDRzYVcho6V"
    "VNRr+5XlWZX9o0rsv8UukeqjnYh8kvlcmAMhmwNKxkMuBRJAMei+SrNBswtFoIfK3R1STZ"
    "4RpdxsqtaCJ9oDLxrhbmdRV+I0tfz/Pg67aX+WARbOP5YLZmp+RPbYwR7tHfPP51vB+X8+"
    "lZlhTHs+QUx7MEvKfGGhNo5pDFccL92Y4fai2XA3ICEkKfJ1CT/j4a9BNkRYAm6ohBUwL+"
    "D+jIqgzZ1n/P1njKcANPa6TTN7Hes8f+T1XjOwVPhlHIB+OO43f3nX9Eh/j13eAq6lxhHV"
    "xFWYIIdDdEZBbfAZpSHNA1kuAfsyyPH5NXx4+xxRFpEBNENooFpyYUuCKTgRaQNs/hf5kF"
    "8ctkxC9jiEtvfzL0x+n3ld7+t8j1JG9/zBedxUXK67HturO8YRVqD7n5/igxcpLydvfzua"
    "l9TQRpv8GII4ZIIarIFsoP01idNxWpg8UijhMtGYw4ZDDCEVqCMIQvzpIDEMRvU3Exdbxe"
    "PtF70cTsP1v+7xTFpy2ikjV/54CdxPqAryvTPkDMw8j5/c5buWOrxRvT38a/8KGb/kin3A"
    "0Mv0G1z1yZyDCdAqx7eeDe0AwYOhX/IvqYuWFuKn4MZdMcYbuuK9toUOnDTEgnlkWgqXj7"
    "Hip8Wrk/x1o//RtOt3GdPvTVqSulOBQKMefLVuA5t72+Mh7e3iuPDw/dYfpTgzIr+5MDVP"
    "meLmOqe42p2mtIdmB9AplUJ4qNOFM0BmiKH94naWCk+jxTpPo8JVJ9Ho9UB98shvSYChMx"
    "0hGyBmzdSXMBdv8xTo8zeR7Au0H/1m0eDT5FhrenO8ZH9/aTIHzqPULf737LiT4jaQP6Z4"
    "IHD91+G7C/E0wXrYfh4HbYHY3aIPBlgr91euNe/1YZ9JXrx9F4cN8dtoHgYqjl+GtveKM8"
    "dIbj76HGgesTTPsf3P3WvWkD99MEU7aM2BX7P/3e6V937+74Jfdjq8hMzRKFP0+Owp/Hov"
    "BBFbzIeAnS73HE3Hdveo/3eQfN3YAOGvpngm36NrD/T/DX3u3XNmB/J/hxaJ8rYv+nzBtS"
    "xl937ijvnE9FWFd+jShP9c+xkAVpmhfgPM20kJ2mLGSn8YXM3sDtamYxrJPzKWKEMqkifb"
    "ErkFSxhERlinMevgRpJEtKZ4lvvedNBo1TNkD920NSaNRfUghyudE130ZXrzx4/iyICKks"
    "MFafrId4skvE8xljdcoexyihLDEWd8bMkGkRxd0zpmhrWGBCJXYip1adpxbtirKQu5+L8V"
    "3YgeR5nXkemao7z3XJ8/rznE/T54JFd0Okks915vNUN4qV3A0RSh7Xmscy479hud8y4/8t"
    "cj0p41/g4oD57N4IlTR6ZV3t/SPs+zVzwRslk4NX1qSqT8lyb3SWgHP2nTE1G85ZEY5O5Y"
    "SS5aL1rgR4G14QPrLG5y4HH8B8StAzIqiccmEdu7fG7oo7VG21owRL7vnaChHtWtW5fTYz"
    "jeVuYMkDVgvuYvKEVuJupqBY27arSVGDjbeeZzFeQKCuNUQA+9l6GxgYAtN4AStogulCxX"
    "NKxM9BJbTls6rTRRU8wRldEIGKNaDO6BLLP70sDKAhDSASPwajsqdsr/8W2ifhQFTqZiC5"
    "GWKfmyE4NDFYs+WqurR1TuFvXQ+7nTFPFLY/TPBo3Bk/jpTrr53+LbsR/j7BD8PeYNgbf/"
    "dbRK9McGc06t322T330wQ/9v2r/mee0Pww6N84Gc32R5ZaPe4O+5079vJdpXPD7wsuTvC4"
    "c+ve9z7aV4fd+8Fv7nXnC3seS962H2d/ypZU/fhwYyPlfIhKncMkVMt9Dwfa92AvI/kydH"
    "0SmQiazpACiaB0bacL+NI+N2wXuS3sqN5C3Nti4u8r6di7Cjr2poLR99G4e0+FOf8/wd37"
    "Tu+uDfi/IoKs/O0FIdRz6TICSulIjfuoQzDlzZUWEjdg1dhDurQMYSejf5zBzCwh7JDpl1"
    "GQhWhknG17MMgvrLKj/7xxRalOIh700NDKexxJ9T4pzzec6JMKeo+3+qTMYOMqq/1Lb0+j"
    "vD2sCqATSMtqSAdI6mwi1NaMRpaCsH2kpyAekHY4ZYTy0OdTVo9/iedUUtVlYZg7WcmRLu"
    "o8+BthHzt45zXcImTSZMtisjmg5d7eGqWTe1vlIa7SQk6wkJ3Jwst350z5jVNKh1/iIu+U"
    "ti4EcZhWghwHWfp5ykJV+nn24+dJksElwNv0NNT4upMlzTckSktAufG51MLFJ3fSb/VeS5"
    "apmeiwdNI4t/oqidNua+rcAENAGwMD83Q2m7wNVC+xjd20DJ7Sxj7OkM6y2NYWtICKAec5"
    "I4bP0NwA5gN7Ui0YT56r8DnCGua+cOc45q1d7lq2vuST/tY6LesnKf5WeXxrhQeMyl1/Uv"
    "c/FlSl7r9/3V/upKx0J+VhFNMbY0lfvvsM+Q+IqabB26nKqcYbKtBruVU97YCpsVwiQjkO"
    "bGrAqQE2CNhAAhYq5awGiK05slRXNkKsuAK6U0/bY/beoRnKD3qVR8qc70x3zKUAXqH5W9"
    "EB/3Z2dn7++ezD+afLi4+fP19cfvDkfPxWmsC/6t0ymR9SY3bZh5GwzB5BWLI2mmJ0PmQF"
    "OUrXQLDL37AREDa55EmYrkma415ES4bzWFKOqk88j2UPGzcOk+xTzRYNdaMbqmDgJ0MfIJ"
    "HQ7wC9jLEni6FmxdhjtvSBLBGoI+YBbonMEPdeqg3ClX5mWvltMznJfevBNhsMDBCxwIu6"
    "YSYD82lra5M9xDMdxE7wgv0IndxuC+5ufnbiR1FXt7Q9aml7BHmXVTUO0jRQLS7fBvEmRa"
    "6BHqSqs0rMK1IYa/JkvPIwGvNb2EJlSn8/YNVQYjLo8FNCmt/7NL+lQSINkjcEPTv5sfDm"
    "A494j/nsK4g1BmBOyf/Q7d/0+rdt4NBP8E23c9MGGrQHUQ12FlAdd7kiglIWyemhAZL9rb"
    "sfqlUzS4sLY/hKFAeiAga3gHw/Vvc+VfsjMbJdkFIz2XXVIgo0TUNgIiTvHAxTNWGryN5L"
    "8Eif1hvxacnDAZrMdYGQ9Wph1sCTOZouoLbWofZ346kl8GaG7p+keTQtt6Xyb6dpNoemvm"
    "aVpQElatspD3TpAJZuEHpLpUNVOwFPG1arcnkC1pggnX6G+IRXsFwYLwAR8AKxoFBm6b1v"
    "T79IdHIeNhn0sH7OSjwMKR5NpnowDueVoCHC4xGg3P3GCg9HBjZ4xxz63qwE7K1/yeiIO1"
    "7ZGl9Sj80WLzACho/9PjfDzTXGthlOwaRmuIHhBH/p9O5Yac+Ziug4qIdZvjB0LV/Qwaeo"
    "NSvYZFyZxhRalssNYJj2skMMdimrLzzMgbPLLCw4u0zmAbsXZoIOVQsq8HWF6HQroHKK6I"
    "9Hbr5Ja57KM7OYfRGmlGyuNZtnCCNrUYjPEVJ5gmSd+Sydc4dxztFlXHQcSkow36VoTEBh"
    "D0H6mrhIbqCubqA2XOOWON3LvXuSuunEbqeYTsNMzhHaGBgzoAKH2vZjvCxUwhwTyAIzql"
    "u+++MH3Pzxywn3XDjXNTY9t3pHyu1emBvm+IJoF/wN7JPlo7lh0WbM6lpbcr9KTXPGHGZl"
    "tdyc5nU222qTLuNMgKzQOs3rDG3rGxMnzPXKpA2VHeqTsY7LoyxwV1IOzxFJObVkn+p4LC"
    "HKiaAAb9uHRNHZyZ3ddCid8BRgpFGBjsjmDboKjy1jqvHHnjiKgFAiZnPerkVa93FkUgVc"
    "uPe9ET+uaYksC2r1y7Kior2AEPWpZApQncWizKErOYdOum1kTlXdDJvjzK7JklMlneHNXa"
    "Zq4iIc8N1PiZVpgrdP0pyE9i6qfJVpVmtrwbx4hEee4TMy1hYwIQ/O2ocDs6MZMaTcZ194"
    "37al94JMyGsYisrUlNXtDklT0st3SC+fw9487qgASZ1dUgW9fZW4n7ypnhVjj6CBCJfvT2"
    "WjO487x20vd7/JchxSzT6WchxUWpJ7aFkqXzhj6lfwdqr6RdcvoiwDLUs9Xu93NhieoWl5"
    "ZSSnOmJb/J0niqpmhApEB8mdugCyInTt3DzJGpU8mEweTFYxm475YLInQxMEv5P9oW77Ok"
    "+C2rpC5dGUhziaMr7g5xAqQuImhAGqNgKlPZIMfbPsEXkEnzyCr1kgC2y+jBALKOtcRe5g"
    "CMujZPZ86EnUCxJGu8iJcaHujgzsn+6o2nI2h2A6y2NQDnwMijxtUp42eRQ41/i0yZD4Fj"
    "nvI+I9xXsfbVm+994dLMYKsp39imOSb3PcCwSKn5v8oiLC+rIQG6q7ePPZVEl/qkp7nWMI"
    "wy9R7TPDYy9gUVf72EA9LBkhqZNmeJISITnCfP9vnd6417/N6Xd3ydrA+TDBnetx77duG9"
    "j/J7jbv2Ep//xfPYIhqRlB29lzkOyg1gvS5vbJiLnY07u57Y7ZFilG7UWm4FJFej2Y4Yjy"
    "Il7NCKnMaq1bVmvIhIupGsLpl+ChEBE3Il5WdcyAagsKSweJo52yFzBAIzcDpocsC6SVhR"
    "XlnDIvRiylXp2lnuryy4QrfVOM5Ul9SM7XmfMzZFqEssxa0d9YZGu+sAPJ8zrzHLIjjwuw"
    "OkgnOVxnDvO9q27mSoFKk3Fyye8689t1+nHGsRyT3LFrIbnMEBCkYfAYSkGgxcQSZmEiBh"
    "+Sa2xCUYmYrWPZJ5QFEcRjODe0UTIJbGzUytTHN5j6KE+RaRrXBUqX8/axiIA4rTxZhoap"
    "5NKfvPQXUmFlXqDMvDwYwgRNf8CcAzdEI8XB1nRWmWO5txzLQyT+HSvAKSl/4vxVRw8oAd"
    "ym566GNaYMeau2SC0B2bHXUTOhDa09udNUA7mjtqtYdEaDQ/nl1yHUPSGbICTCdSMaIih+"
    "VpnN29PgcmUQiKebIZwaZjhnMrHRSVpeL/KbK6bfPtvpkqquQ/MvFitv3QbU1oLmMzsa7w"
    "87V/AP/v6/gJcF0iEvXmZCyjyLsGLl1gkrfob5ZRVbL9BMOGOy/GcI84+tqWFXfaDPUTRE"
    "h3f8JIVc6aqylhq7t49aah7rsiZueQQyWSvbqQnuhMiBcZhKAp0B6Bl9ODRXJspXsy5CJq"
    "HOAHVSKvxoSZebRLGdmAJ/zJb7+dnnT564Zl/SBPTovnN3F/eELKGG1JTSS2I4w1TNq7Vx"
    "mqmOz2lKHZ/TrHV8rhBWzY0Y5oRKPk8bYqvwxwVxmvbgpLp60QSK41Wv3xl+F9fyuRKkxl"
    "59H3c7Msz3FrNqih/Ve4hDeuVxG0dXx7wDTTRdtAQ2u3PnJM1QV/02pW693cXGfSsGbmVb"
    "MtmWamFkI1lrCpA0UNU/u7jIoDPRVsm1D9m9SAIUnVQ5EHaaNxDdSjRSFgsRluVI3ssVIJ"
    "G1wHNu2jroYvbz/wEqdklU"
)
