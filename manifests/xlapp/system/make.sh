# LFS 12.3 chapter 8.70: Make.
mkdir src && tar -xf "$SOURCES/make-4.4.1.tar.gz" -C src --strip-components=1
cd src
# Debian's orig (xlapp-debian) has no doc/ (GFDL manual and man page
# removed): build without it then, as chapter 6 does.
if [ ! -f doc/Makefile.in ]; then
  sed -i 's@ doc/Makefile@@' configure
  sed -i -e '/^SUBDIRS = /s/ doc$//' -e 's@^man_MANS = doc/make.1@man_MANS =@' Makefile.in
fi
./configure --prefix=/usr
make
make install
