# LFS 12.3 chapter 8.7: Bzip2 (shared library; the book's install-docs
# patch is replaced by not installing docs).
mkdir src && tar -xf "$SOURCES/bzip2-1.0.8.tar.gz" -C src --strip-components=1
cd src
sed -i 's@\(ln -s -f \)$(PREFIX)/bin/@\1@' Makefile
sed -i "s@(PREFIX)/man@(PREFIX)/share/man@g" Makefile
make -f Makefile-libbz2_so
make clean
make
make PREFIX=/usr install
cp -a libbz2.so.* /usr/lib
ln -sfn libbz2.so.1.0.8 /usr/lib/libbz2.so
cp bzip2-shared /usr/bin/bzip2
for i in /usr/bin/{bzcat,bunzip2}; do ln -sfn bzip2 "$i"; done
rm -f /usr/lib/libbz2.a
