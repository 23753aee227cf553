# LFS 12.3 chapter 6.9: Gawk.
mkdir src && tar -xf "$SOURCES/gawk-5.3.2.tar.xz" -C src --strip-components=1
cd src
sed -i 's/extras//' Makefile.in
# Debian's orig (xlapp-debian) has no doc/gawk.texi (GFDL manual removed):
# skip doc/ and awklib/ (its examples are extracted from the manual) then:
# the temporary gawk needs neither.
[ -f doc/gawk.texi ] || sed -i '/^SUBDIRS = /s/ doc awklib / /' Makefile.in
./configure --prefix=/usr --host="$LFS_TGT" --build="$(build-aux/config.guess)"
make
make DESTDIR="$LFS" install
