# LFS 12.3 chapter 7.12: Util-linux.
mkdir src && tar -xf "$SOURCES/util-linux-2.41.5.tar.xz" -C src --strip-components=1
cd src
mkdir -p /var/lib/hwclock
./configure --libdir=/usr/lib \
  --runstatedir=/run \
  --disable-chfn-chsh \
  --disable-login \
  --disable-nologin \
  --disable-su \
  --disable-setpriv \
  --disable-runuser \
  --disable-pylibmount \
  --disable-static \
  --disable-liblastlog2 \
  --without-python \
  ADJTIME_PATH=/var/lib/hwclock/adjtime \
  --docdir=/usr/share/doc/util-linux-2.41.5
make
make install
