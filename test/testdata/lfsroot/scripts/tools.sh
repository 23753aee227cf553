# bash and mkdir with their libraries, and walkcwd, into the LFS tree.
for b in /bin/bash /bin/mkdir; do
  cp -L --parents "$b" $(ldd "$b" | awk '/=>/ {print $3} /ld-linux/ {print $1}') "$LFS/"
done
mkdir -p "$LFS/usr/bin"
gcc -static -O2 -o "$LFS/usr/bin/walkcwd" "$SOURCES/walkcwd.c"
