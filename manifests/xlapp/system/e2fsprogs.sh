# LFS 12.3 chapter 8.82: E2fsprogs.
mkdir src && tar -xf "$SOURCES/e2fsprogs-1.47.2.tar.gz" -C src --strip-components=1
cd src
mkdir build && cd build
../configure --prefix=/usr \
  --sysconfdir=/etc \
  --enable-elf-shlibs \
  --disable-libblkid \
  --disable-libuuid \
  --disable-uuidd \
  --disable-fsck
make
make install
rm -f /usr/lib/{libcom_err,libe2p,libext2fs,libss}.a
sed 's/metadata_csum_seed,//' -i /etc/mke2fs.conf
