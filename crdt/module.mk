LIB_SRCS += crdt/schema.c crdt/hlc.c crdt/body.c crdt/meta.c crdt/merge.c crdt/store.c crdt/rowcache.c crdt/commit.c crdt/compact.c crdt/snapshot.c
