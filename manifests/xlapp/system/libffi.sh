# LFS 12.3 chapter 8.50: Libffi, for a generic x86_64 (--with-gcc-arch).
mkdir src && tar -xf "$SOURCES/libffi-3.4.8.tar.gz" -C src --strip-components=1
cd src
# Debian's orig (xlapp-debian) is a git export: make configure first. The
# top-level Makefile that AX_ENABLE_BUILDDIR writes when configure is
# regenerated here (autoconf 2.72) recurses into a target the build
# directory does not have, so that build runs in the source directory.
builddir=
if [ ! -x configure ]; then
  autoreconf -fi
  builddir=--disable-builddir
fi
./configure --prefix=/usr --disable-static --with-gcc-arch=x86-64 $builddir
make
make install
