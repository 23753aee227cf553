# LFS 12.3 chapter 8.62: Gawk.
mkdir src && tar -xf "$SOURCES/gawk-5.3.2.tar.xz" -C src --strip-components=1
cd src
sed -i 's/extras//' Makefile.in
# Debian's orig (xlapp-debian) has no doc/gawk.texi (GFDL manual removed):
# build without doc/ and awklib/ (its programs are extracted from the
# manual) then, and install the man pages that are still there by hand.
nomanual=
if [ ! -f doc/gawk.texi ]; then
  nomanual=1
  sed -i '/^SUBDIRS = /s/ doc awklib / /' Makefile.in
fi
./configure --prefix=/usr
make
rm -f /usr/bin/gawk-5.3.2
make install
if [ -n "$nomanual" ]; then
  install -d /usr/share/man/man1
  for m in doc/gawk.1 doc/gawkbug.1 doc/pm-gawk.1; do
    [ -f "$m" ] && install -m644 "$m" /usr/share/man/man1/
  done
fi
ln -sfn gawk.1 /usr/share/man/man1/awk.1
