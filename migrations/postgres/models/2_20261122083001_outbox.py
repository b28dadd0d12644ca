from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "outbox_event" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "channel" VARCHAR(200) NOT NULL,
    "event" VARCHAR(64) NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "outbox_event";"""


MODELS_STATE = (
    "eJztXWtz4jgW/SsqvmxvVaYrISHpZbe2ykncCdM8UuB0T88w5RIgwBsjM7bIY3v7v68kv1"
    "9gEwyOoy9gS7qSfK4s6R5dyT9qC2OCdOujNB4jy1KMB4RrTfCjhuEC0Yuk6CNQg8ulH8kC"
    "CBzpPD3kCVXipRxZxIRjQuOmULcQDZoga2xqS6IZrKiaBHRjpmFgUTka9BH0sP4CyByBwa"
    "30S71xDowpv+V5As0CFjFMNPnIsp8YY5q/hmevzmmFtb9WiFZ8hmgSk+b3x580WMMT9Iws"
    "93b5oE41pE9CGGkTlgEPV8nLkoe1MPnME7JKjtSxoa8W2E+8fCFzA3upNUxY6AxhZEKCWP"
    "bEXDGw8ErXHWxd/Oya+knsKgZkJmgKVzqDnEnbFfDDaqra7SnqQFZUtRZThysRwNUJGhuY"
    "qZJW1eJPP2NV+KV+cnZx9un0/OwTTcKr6YVc/LSL9oGxBTk8XaX2k8dDAu0UHGMfVK4jdQ"
    "6teRzcqzk0k9ENS0VQptWPouxiWl6YF/BZ1RGekTm9PT9bg+lXqX91K/U/nJ/9nRVo0NfO"
    "fie7TkydRzHYfZjHJmJQqJDEYb6mMURboGSow5IRqCeO6Ef3Yhvg3QAfeb8L2Qf09AEnrA"
    "txVL4GeqXVkQeK1LljxS0s6y+d4ycpMoup89CXSOiH84iavEzAt5ZyC9gt+L3XlTm8hkVm"
    "Ji/RT6f8XmN1gitiqNh4UuEk0DrdUBe1kNbR81KjuW2h9bBkBbX+RrTsYrJWzSZ6pP3hNi"
    "93WHIHanZapdDy7rWsQ4uoK2srPUdlhabLrGlIoSdqrulmUGTzpPMN9M+7mHeymfz0IXHa"
    "yfGK4/uZ2gnaDH9BLxzmFq0SxGOUgKprMLn5vDF4f7oNyA3132gTPnnGT6hd0aenz4yIPT"
    "eXBlfStVzjII/g+OEJmhM1hDaLMepGJMRLG49a1BfREIhpDSbOY7BKh3BPsmBdhayxXb0k"
    "m4zWdDgTzMg/aG8xg1j7L+TSNBFaQE2v/SnsywPal7YOYrimm5aewG6sykN3oyG7st7IYl"
    "jSVKmWJY8Lm5b8PwfAbvoq4nt8nAXf4+N0fFlcGN8ltKwng3aYeUmSmGAVEW80MrXoxpoW"
    "3Ygibhp6SouW8WoRmxmELSpHdn9Y++NZDrhr0nWn1W0COFloeIilG7mr0Dsvp5xqODnPoI"
    "WT6JzaVwKLCutAs1Q6MmuPCYq4NCjGEKeMi0G5iBJGVLAoLbhj5n5Nm8terx2yai5bSgTj"
    "+86lTLHn0NNEmj19cwdOwRC+b4ZwtZxsqfWwpNB6WbSewDA4tfe1HjRU8vEMCZKCbthMN0"
    "Qtw1eyDr1Idm8M7KzkQ0Jjy8tBRBYarYTZhCP3+Usf6R6iKWxPeHm8IrCHucelpj6gl9cC"
    "tdRoa36zLPIGiCyLvq106CPa+AGRV0Kl8EwqChUdspY0AdoJRn0nswphVShFar+DSRyp93"
    "auIUntfiATTVqTACthcgTYeuKYZQGoLJgaJoAY0OdFM5Or+J+A5mOBJ43MgUYv7B7e4nF/"
    "s2xrFJjabE6sJL+fgkoRPkHl4mwFo1gwo2iiqfaci0r0JCqI8e7JK9ot5WZrgzLCoS0CsX"
    "Boqz5xkYWuEp5O78H/RXg6vRdNu33x6CUfDRmT24qELJlidzOtFiyvYHlLAfbOWd7kjmMH"
    "QGd14itZf5EV4FhnGYKX1gJ079vtQ3nyXRmY2ORSjKdyo47WEVXjQKIMRNV4ZRFjgUy2Rw"
    "ziEDWUxDhtSp7HD/AIJEQ9E2RiqDPNCEfBd+QoWLK+RPgJsrxr+0G3CE4v2JHkacRhsQo2"
    "5SLAFuRTOvrVJZ+Er1TVtC58pYQVXXKwD+MrJRxbhGPLq7AqkjEIvdEJtEH0jU/nDqJdzW"
    "43BApzXviQVNYEsvTVLA++bnrh2rDRtcEefdX8XjoxwT1SJ8oXZT/syUk9i7dOPd1bp56C"
    "99hYYYLMHH1xXHB/8/vjUvfLgX4CEULLS5gn/TrodVP6ioBM1FjWxgT8D+iaVRiytX9NV3"
    "jMcAOjlabTmlgfWbH/Lqp9r8GTYRSyk912/KEj/RZt4lft3mXUAGYZXAr2quI8hmCv3qPW"
    "09irGLeSxeTnW79fu+unYofhHHJj1JvEyFmLfyVGgWX/KoK0X3LtDUOkEpg0b8wPkwJnVU"
    "KqSG7NaVcJrJrf4tL5NOKnKfhoLbxajGhc1GXmR81/ziRK3CKQrHidA1NZlgd6plYzP07a"
    "w8h5fqdWbsOq8cT02fgNb7Xri3R2i6JwDYotc2lqhqmRl70VuDc0A3PRgp+IFjMzzJeCiz"
    "ERbesWQabqOYkVWBpzMttdAdZq9B803qQIWuizs1NadSRUYs4WtUA5N62uqvRvOur93Z3c"
    "X19qsBvJXnJAKl/pgrXfK2tvd+vZgfUFxNJ6EvvmvKIxQNcQ9b5IBddCTjOthZyuWQs5ja"
    "+FBGsWQ1qhnUky0hGxCvg5riNO5N+U9Uymx5u0e90bN3mU3ow0b286F2/dm4/q86X3CH1X"
    "/pYTfSbSBPRniHt3crcJ2O8Q00Hrrt+76cuDQRMEbob4m9RSWt0btddVr+4HSq8j95sgIT"
    "CUUrlt9a/VO6mvfA8lDoQPMc2/1/4qXzeBezXEVC0DFmL/03upeyW32zzIvaxt86ZmWec5"
    "TV/nOY2t8wRnxdu0l6D8HltMR75u3XfyNpp2jzYa+jPEtnwT2P9DfNu6uW0C9jvE93374E"
    "f7nyqvTxV/JbWp7pyrbVS3+w313mw8x0AWlKmeX/NJpoHsZM1AdpLg18x3u7gzsxjW6St2"
    "MUGxbLfzZbsFIpBNnPPoJSgjVLJzlfjWe153o7hkBaZ/e3A7ivIlW0Eudm7l27nlHXiXf+"
    "04IipOYyjPWnHcRWCqmRZRXddmdbJCW2g8NROh+zLrnmZFVcj50e30npiB0HmZdR55VV/9"
    "rgudl1/n/DV93PIIrZCo0HOZ9TzWje0O0AoJCh2XWsfCkbdiLp3Ckfc9aj3NkTfBBkc5Pw"
    "salhKn5IlT8vaPsE+85YI3KiYarzg6oTwHEHqtcwc4Z3d4L1lzzopw9FVOOYAwabzbAbwV"
    "P94xMsbnPtwxgDn7cKJGtN2caiHZuVV2s8uhjgB5k2CJrRwH2srhvYWpWzqC7+mmrR0qDC"
    "beeNyqMkcAriYaAeyx9SYwMAKm8QSWyATjOcQzKsQ/00Noykeo01ECjNCU9vAA4gmAUzpm"
    "8KunuQEm2gRoJH5Ka2GlbD7TJeSZ7kC00x0Rwv18n+7nHJoYrNm8A13ZMjtN1676sqRw10"
    "z7YogHiqTcD9SrW6l7wyLC90N812/1+i3lu58iGjLE0mDQuumyOPdqiO+7fqh/zV1I73rd"
    "a8eH1L5kzqyK3O9KbVZ5WZWueXxC4BAr0o0b713aoX250/vqhjs3rDzmLmsXZ19lc2O9v7"
    "u2kXIuor3OYVxYhaf5gTzN7WEkn0+kLyJc79YrZAvXOzq20wF8YR9r/5p+OzGjcnfinlO/"
    "78kv2X7cku3GPfg+UOQO7cz5/xDLHanVbgL+t01HtnuH7hDqueYyCZKCGYyTriGY8nqnJg"
    "pXYNQQR4OL1blC1mRDpl/GjiwkIxaONq9u+KdLvJIQrtzhKUcRSjjUtPIeA108J+WRnamc"
    "VJAO3chJmcHERZ7gK9ieSrE97LQqZ2UoqyEdECmziVBaM1qzVPaddvbFmYTVAMPQEcQpjT"
    "osGUF/REWLgt8L2S/+l71eO4T/ZSsK8H3nUqZ2F1cGTaTZXXzcFqBTl7lhvspKjmRR5sZf"
    "CfvYwTuv4RYREyZbFpPNAS33hsKonNhNmGk3obCQ09GvroXsvCz8mNmcPqxxSUH4pQ7yzh"
    "GsW0EclhUgx0EWPM+uUBU8z354nrQ+eAfwVt2vMj7uZPFbDXWlO0C58s7BiYNPqT5R7rse"
    "phKWjl/iRq6SOOk2us71MAI0MTAwd2ezxZsAeo5tLNIyuEsbu5xqOvNiW1nIYh8q5zpnwu"
    "gRmS+AcWAjaKG481yB5SQe5Ox37hzHvAc4u5at3/MJvrVMw/rRGr5VfJKtwI+GiW1sYu7/"
    "VlAVc//9z/3F1sBCtwYeZmLaW5GR8Sw/Iv4A8Q/hBqLXTk4NnlBFXsrSfAf3Upu9l3nXP+"
    "r109OL+vHp+afG2cVF49Ox17fGo9Z1spetG9bPhqYOGVbD5xBjlGsBJCBSwTlaIWtN3iuW"
    "FWNPoIII734WnPd83MOdjXsYpw7xPVGxoBdKl29BLzZxP8y0R0KmNp4nzXicmLWTHeinKc"
    "00573McQrjlh6RaSVaNukja0CkgmNrvdHI5LrRWOO60Yh5ytCXKgfCTvIKolvM1xfS/FHX"
    "7DFM9UcVU5hNU5iDDmY//w+D7wrG"
)
