LIB_SRCS += base/err.c base/afile.c base/buf.c base/mem.c base/sha256.c base/utf8.c base/idnum.c
