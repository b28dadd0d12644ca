from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "domain_event" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "subject_kind" VARCHAR(32) NOT NULL,
    "subject_id" BIGINT NOT NULL,
    "subject" JSON NOT NULL,
    "payload" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL
) /* A committed domain event not yet handed to the listeners. */;
CREATE INDEX IF NOT EXISTS "idx_domain_even_subject_e67883" ON "domain_event" ("subject_kind", "subject_id");
        CREATE TABLE IF NOT EXISTS "event_delivery" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "listener" VARCHAR(64) NOT NULL,
    "event_id" BIGINT NOT NULL /* The outbox row the event came from. */,
    "type" VARCHAR(64) NOT NULL,
    "subject" JSON NOT NULL,
    "payload" JSON NOT NULL,
    "state" VARCHAR(16) NOT NULL /* PENDING: pending\nDEAD: dead */,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP NOT NULL,
    "last_error" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    CONSTRAINT "uid_event_deliv_listene_7ca0dc" UNIQUE ("listener", "event_id")
) /* One committed event on its way to one durable listener. */;
CREATE INDEX IF NOT EXISTS "idx_event_deliv_next_at_6265a5" ON "event_delivery" ("next_attempt_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "event_delivery";
        DROP TABLE IF EXISTS "domain_event";"""


MODELS_STATE = (
    "eJztXW1zozi2/isqf9nZqmxX5627r++tW0UST9o7iZ2yycz2jrdYYhSb21h4QU7iO9v/fS"
    "XxDgIDBoyJviQ26Ej4OeLovOnoj97K1KBhf5Dmc2jbsvkdol4f/NFD6gqSD7zbJ6CnrtfB"
    "TXoBq08Ga6+yhgr2Wz7Z2FLnmNx7Vg0bkksatOeWvsa6SYfqScAwFzoCNqEjlz6AMTK2AC"
    "8hmH6V/nJ2+QmYz+wr6xPoNrCxaUHtA+1eM+ekfx0t9u5pg/R/bSB58AUkTSzS3+//IJd1"
    "pME3aHtf19+VZx0aWgQjXaMdsOsK3q7ZtSHCP7OG9CGflLlpbFYoaLze4qWJ/NY6wvTqAi"
    "JoqRjS7rG1oWChjWG42Hr4OU8aNHEeMUSjwWd1Y1DIKbXzAMG1nqKMxrIyHciK0kuww6MI"
    "4epempuIspI8qs1+/YI+wl/OTi8+X3w5/3TxhTRhj+lf+fzDGToAxiFk8Izk3g92X8Wq04"
    "JhHIDKeKQsVXuZBPd6qVp8dKNUMZTJ48dR9jBtL8wr9U0xIFrgJfn66SID01+lyfVXafLT"
    "p4s/0wFN8to57+TIvXPGblHYA5jnFqRQKCpOwnxD7mB9BflQRyljUGsu6QfvQxngvQsB8o"
    "EIaQJ68gM1KkJclmdALw/vB1NZun+gw61s+18Gw0+SB/TOGbu6jV396VOMTX4n4Leh/BXQ"
    "r+Dv49GAwWvaeGGxEYN28t979JnUDTYVZL4qqhaand5VD7UI1+HbWie9leB6lLKDXD8SLn"
    "uYZLLZgi9EHpZ5uaOUFbDZnZWCy9Vz2VBtrGzsUnyO0wpOt5nTKoEeK4XUzTDJbqXzCORz"
    "FXon1eSfv3PVToZXEt+fiZ2gL9AvcMtgHpJHUtEcclD1DCavnyOD94c3gbyrwRttqa++8R"
    "OZV+TXk98MsaObS9Nr6WbQYyA/qfPvr6qlKRG06R3zzIxd8dsmb63OVvErKiJPoLk/gz50"
    "BHeeBesxJMN29ZvsMlrT4eSYkb8TabFQkf7/KqMmjeBK1Y3eP4R9eUD70uFBAtd009InqM"
    "aqPLQYjdiVZ5d5DEvSKtWyZPeipiX7XwBgr30X8f34MQ++Hz+m40vvRfFdq7b9ahKBWdRJ"
    "kiDsIuKXl7lm9GXGjL6MI26ZRsqMHqDNKqEZRC0ql7Y5rIP1rADcPenmfjjqA1Vb6WiGpN"
    "vBSCbf/J4KsuH0Uw4unMZ16oAJ9FaUB7qtkJVZf+Ew4sokGKsoZV0M08WY8EQI6+KCt2Y2"
    "a9pcjcd3EavmaijHMH68vxoQ7Bn0pJHuqG/ewhnyEC5VrMzVtTrX8baAIpKga878OI8Dfn"
    "5oPSRmrTNsLHNTzvOa0oWw3dtsuwtHe/or1l1H+2atleR6lFJwvS1c57zs7tMHXA/b+8Xc"
    "dRxK4bXb7bWLO1j2dN6NY90dGdh5fXicyVbUlReL19scpdyl+/mXCTR8RFOcptEsk47AHn"
    "Xhr3XlO9zuC9RaJ7P5aBW6HRDZNnlbydKH9fl3iPeESmaddBQqsmStSQNYCUYTt7OOYsUM"
    "phWRL+piX7yuSVf3Tk9dBctEL9CyGQ77ghXqqkNo1RrEcsQ7L4rlC/6MMJazxOQKZPUkQE"
    "fQTgDN+JjTLgChBc+mBVQEyO+FC4ux7r8B6ccGrzpeAp18cJQHh61/sh1/IbD0xRLbvMzM"
    "mkYRWZvtiqqJmE/NMR8LPutvhYI9PkUHMa4+vEDEUuF4WphGpBzHIBYpx933ieXxhIpc1P"
    "cQ5RC5qO+F054sftoW83An6Er5t1vG2KqDxCKAIAIIh5dT1QUQ+IKjAqDzplm3TF7kBTgh"
    "LCPwkqcAo8e7u0PlWl+bCDvOpYSfyrt1kuWomoca5XBUzTc2NlfQort4VRRxDfE8TruaF8"
    "nUPgGcW28YWkg1KGdEKvc7SuVumSwRmdy0714z6Nbh0wsLkiKTOErWwalcB9gv0NJJdxyk"
    "M7OHw2QNJg/7V8JgF92SdJisYUMlJrqmFJbNCcIOTuw6ZLTwqqaj312vqsgv7RrXRX6pcA"
    "+1HOzD5JeKZECRDFgZViIZ8CiSAY9F8tWaDRhZLTi+1vhqku5wjS9j1da5ED5QkXjXCvO6"
    "Dr+RbWwWRfD12ot8sBi2yXwwR7NTiqc2Jggb9DfLv8jNuJxPz/KkOJ6lpziepeA9NzcIQ6"
    "uALE4SNmc7fmy1XA7JCYgxGY+jJv11Oh6lyIoQTdwRo88x+DcwdLs2ZHv/87xBc4obeNro"
    "BnkS+wMd9n/rmt8ZeFKMIj4Ybx7/dC/9LT7Fr+/GV3HnCu3gKs4SHUNvQ0Ru8R2iqcQB3S"
    "IJfpFnebxIXx0vEoujrkGEdbxVbDi3IMcVmQ40h7R7Dv8veRD/ko74lwTiwtufDv1x+n2F"
    "t/89cj3N25/wRedxkbIqXfvuLO9Y3dJDbr4/SozcpLz9/Xxeal8XQWo2GHHEEClY5dlCxW"
    "GS1UVXkTpYLOI40RLBiEMGI1yhxQlDBOIsPQCBgzY1l9hGm9UTuRdPzP6jF/xOXnzaxire"
    "sGcO2Um0D/i2tpxjpXyM3N/vPpU3t3qsMflt7AubutlDuuVuYPQJ6h1zbemm5ZblbGTAxt"
    "AMGTo1/yIyzMK0tjUPQ9i00JFT7ZNuNKh1MAuSF8vG0FL8fQ81jlbtz7E3T/8H57u4TgZ9"
    "c+tKKS6Fgq3Fqhca53Y4UuTJ7b3y+PAwmGSPGpZZ+UcOURUbXcRUG42pOmtIfmADApFUx4"
    "uNuK9oAtAMP3xA0sFI9XmuSPV5RqT6PBmpDj9ZAmmZCBM+0jGyDmzdyXIBDv4mZ8eZfA/g"
    "3Xh06zWPB59i09vXHZOze/f5AAF1g9CPBr8VRJ+S9AH5M0Pjh8GoD+jfGSKL1sNkfDsZTK"
    "d9EPoyQ79JQ3k4ulXGI+X6cSqP7weTPuBcjLSUvw4nN8qDNJG/RRqHrs8Q6X989+vgpg+8"
    "TzNE2DKlV5z/5Ls0uh7c3bFL3sdemTc1TxT+PD0Kf56IwodV8DLzJUzf4Iy5H9wMH++LTp"
    "q7MZk05M8MOfR94Pyfoa/D2699QP/O0OPEOW3C+U+YNyGMv5buCO/cT2VYV32NKF/1L7CQ"
    "hWm6F+A8zbWQnWYsZKfJhczZwO1pZgms0/MpEoQiqSJ7sSuRVLGCWKWKcxG+hGkESypnSW"
    "C9F00GTVJ2QP1rICk07i8pBbnY6Fpso6tfHrx4FkSMVBQYa0/WQzLZJeb5TLA6Y49jnFCU"
    "GEs6Y551y8aKt2dM0TawxAuV2ol4tdr8apGuCAuZ+7kc37kdCJ63meexV3Xvd13wvP08Z6"
    "/pS8miuxFSwec283lumOVK7kYIBY9bzWOR8d+x3G+R8f8euZ6W8c9xccBidm+MShi9oq52"
    "8wgHfs1C8MbJxOQVNanaU7Lcn50V4Jx/Z0zLpnNehOOvckrJct56VwG8HS8IH1vjC5eDD2"
    "E+x/qLjvVqyoVJTm+d3RV3qNpqRwmW2PO1EyLStWow++zZMlf7gSUOWC25i8kXWqm7mcJi"
    "bdeuJkUNN955noW8hEDdaDoG9GcbfWAiCCzzFayhBeZLFS0IETsHFZOWL6pBFlXwBJ/Jgg"
    "hUpAH1mSyx7NPr0gSargEdJ4/BqG2U3fXfIvskXIgq3QwkNkM0uRmCQZOANV+uqkfb5hT+"
    "3vVkIMksUdj5MENTWZIfp8r1V2l0S29Ev8/Qw2Q4ngzlb0GL+JUZkqbT4e2I3vM+zdDjKL"
    "gafGYJzQ/j0Y2b0ex8pKnV8mAyku7oww8U6Ybd51ycIVm69e77H52rk8H9+FfvuvuFjkeT"
    "t53hnE/5kqofH24cpNwPcalzmIRqse/hQPsenGWkWIZuQCISQbMZUiIRlKztZAFfOeeG7S"
    "O3uR21W4j7W0yCfSWSs6tAcjYVTL9N5cE9Eebs/wwN7qXhXR+wf2UEWfXbCyKoF9JlOJTC"
    "kZr0UUdgKporzSXuwKrRQLq0CGGno3+cwcw8IeyI6ZdTkEVoRJxtdzAoKKyyp/+8c0WpTm"
    "Ie9MjUKnocSf0+Kd83nOqTCnuPd/qkrHDjOqv9C29Pp7w9tAqgG0jLa0iHSNpsIrTWjNZt"
    "RUfOkZ6ceEDW4ZQxykOfT1k//hWeU0lUl6Vp7WUlx7po8+TvhH3s4l3UcIuRCZMtj8nmgl"
    "Z4e2ucTuxtFYe4Cgs5xUJ2XxZWvrtgym+SUjj8Uhd5t7R1KYijtALkJMjCz1MVqsLP04yf"
    "J00GVwBv19NQk+tOnjTfiCitAOXO51JzF5/CSb/1ey1ppmaqw9JN49zpq8Ruu52pc2MEAW"
    "kMTMTS2RzyPlD9xDZ60zZZShv9+KwbNIttY0MbqAgwnlNi+AKtLaA+sCfVhsnkuRrH4dYw"
    "D4Q7w7Fo7XLPsg0kn/C3tmlZP8nwt4rjW2s8YFTs+hO6/7GgKnT/5nV/sZOy1p2Uh1FMb8"
    "wVefjBC2Q/IKGahm9nKqcaa6hAv+VO9VQCc3O10jHhOHCoAaMGyMRgCzFYqoSzGsCO5khT"
    "XekMsZMK6F497Y7Z+4dmKN/JVRYpc79T3bGQAnilL96LDvhfZ2fn55/PPp5/+nJ58fnz5Z"
    "ePvpxP3soS+FfDWyrzI2rMPvswUpbZIwhLtkZTjL8PeUGO03UQ7Oo3bISETSF5EqXrkubY"
    "iGjJcR5LxlH1qeexNLBx4zDJPvVs0VC3hqlyJn469CESAf0e0IsYe7oY6laMPWFLH8gSgY"
    "ZOPcA9nhni3cu0QZjST02roG0uJ3lgPThmg4mAjm3wqm6pyUB92trGooP4pgPfCV6yH66T"
    "22vB3M0vbvwo7uoWtkcrbY8w7/KqxmGaDqrF1dsg/ktRaKKHqdqsErOKFOYGP5lvLIxG/R"
    "aOUJmT3w9oNZSEDDr8KyHM7ybNb2GQCIPkHUFPT34svfnAJ24wn30NkUYBLCj5Hwajm+Ho"
    "tg9c+hm6GUg3faBBZxK1YGcB0XFXa8wpZZGeHhoiaW7d/VivmllZXBjBN6y4EJUwuDnkzV"
    "jdTar2R2JkeyBlZrIbqo0VaFkmx0RI3zkYperCVpHGS/AIn9Y78WmJwwG6zHWOkPVrYbbA"
    "kzlmdntqTkX49kmWP9Ox/4vlVKw39hKYz8xhsLbgi25ubGBBA6o2dMpa0qJiCJLJQL+wvk"
    "8cN6VuQZZ9y0uwqKrb3dkWwqfZSp+my94iPp0QSQfdOrXsI/Zf9bwY+wQdRLh6x1nRk7gP"
    "dwp3h/w2QunumvrV8kAykZb4Htq2yhbOhPoVvp2pfrGTkVehlpUWhvqdToZIQfq5odPglD"
    "siL94b2doUJncjWmIvU+ucfOka1XsrqTMeydK13Afuh+yCOi1xdIsSOo2pvk+mti3iDfXa"
    "t3nSt9YRKoqoHaKIWnKBLyBUuMRdCALUbfQJ+yMd+m7ZH6JYlCgW1S2QOTZeTog5lG3Odz"
    "wYwqLoQcPb8+NejyjaZWobFTnVr21g591FznmdxYb9Fh19LOqiFYFY1EUTddE44pvnrI+J"
    "9wxvfbxl9d56b7KYa4gIgeKa5Lsc9RyBQtORN+z5X1Ud075snU7Vfbz39FXJHjV2Krb7EP"
    "WOGZ17FR1ysXvYUOaWiIi0STM8yYiIBG9F2RT/DS/BvE6H+2/SUB6Obgv63T2yPnA/zJB0"
    "LQ9/HfSB83+GBs4Bp+xfO4IhmRlAu9lzkGyg3quuLZwaXoXYM7y5Hch94FD7hzv4ZfoPzw"
    "xXlJfxasZIK3BrtlM7arsXM9dOgaSqwX39UjwUPOJOxMvqjhkQbUGh6R9JtDP2+YVoxGm9"
    "2SHLEmlkUUW5oMxLEAup12app3r8suDa2JZjeVofgvNt5vyzbtnBcYwltBtuB4LnbeY5pM"
    "U5S7A6TCc43GYOs52rXuZKcUZzyAW/28xvz+nHGEdzTArHrrnkIkOAk4bBYiglgeYTC5i5"
    "iRhsSm6QBXnlX3bO5YBQlL/gz+HC0MbJBLCJWStSH99h6qOod9A1rnOULvfpExEBflp5ug"
    "yNUomlP33pL6XCirxAkXl5MIQPc9xUB8VBRjqryLFsLMfyEIl/xwpwRsofP3/V1QMqALfr"
    "uatRjSlH3mrzB9IdKbTp59HlSVMN5Y46rmJOJtmVS/nzLxNo+EI2RUhE60R0RFD8qDObd6"
    "jB1drEEM23Ezg3rWjOZGqjk6y8Xj1orlhB+3wHO6iGAa0/2eA73PYBsbWg9QI18NM/nVzB"
    "f7Ln/zN4XeoGZMXKLEiYZ2NgbZB9QoudOSc4qMh+TT30ofoxuPnH9tx0qjyQcRRNJ9Mbi/"
    "MgjqN2ms+6vIlbPoFI1sqRrBV6IQpgHKUSQOcA+pkMDq21pRerURcjE1DnOeIhJRV+uiLL"
    "TfqRf2kp8MdsuZ+fff7ki2v6JUtAT++lu7ukJ2QFNV3NKLXEhzNK1b1aG6e56vicZtTxOc"
    "1bx+dKR6q15cOcUsnnaYsdFf64IM7SHtxUVz+aQHC8Go6kyTd+LZ8rTmrs1Td5IIkw33vM"
    "qoFva510VyZTLkIpzoZoG5cT/uXDbMaVoKXPlz2Oze7eOcky1NWgTaVbb/excd+LgVvblk"
    "y6pZob2UjXmkIkHVT1zy4vc+hMpFV67UN6L5YARV6qAgi7zTuIbi0aKY2FcMtypO/lCpGI"
    "2t8FN20ddDH78R+q7cpk"
)
