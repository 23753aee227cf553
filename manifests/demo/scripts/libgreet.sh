# A static archive and a compressed man page: the two classic sources of
# irreproducible bytes (ar header timestamps, gzip header mtime and name).
cat > greet.c <<'C'
const char *greet(void) { return "hello from libgreet"; }
C
cat > shout.c <<'C'
const char *shout(void) { return "HELLO FROM LIBGREET"; }
C
gcc -O2 -c greet.c shout.c
# D: deterministic archive (zero timestamps, uids and modes in member headers).
ar rcsD libgreet.a greet.o shout.o
install -Dm644 libgreet.a "$LFS/usr/lib/libgreet.a"
cat > greet.3 <<'MAN'
.TH GREET 3
.SH NAME
greet \- say hello
MAN
# -n: no original name or timestamp in the gzip header.
gzip -9n greet.3
install -Dm644 greet.3.gz "$LFS/usr/share/man/man3/greet.3.gz"
