BIN_SRCS += node/main.c
