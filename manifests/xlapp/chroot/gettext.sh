# LFS 12.3 chapter 7.7: Gettext (only msgfmt, msgmerge and xgettext).
mkdir src && tar -xf "$SOURCES/gettext-0.23.1.tar.xz" -C src --strip-components=1
cd src
./configure --disable-shared
make
cp -v gettext-tools/src/{msgfmt,msgmerge,xgettext} /usr/bin
