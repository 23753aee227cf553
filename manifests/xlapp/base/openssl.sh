# BLFS 12.3 / LFS 8.48: OpenSSL 3.5 (LTS), shared, for OpenSSH and the
# guest profiles. SOURCE_DATE_EPOCH makes "openssl version -b" reproducible.
mkdir src && tar -xf "$SOURCES/openssl-3.5.7.tar.gz" -C src --strip-components=1
cd src
./config --prefix=/usr --openssldir=/etc/ssl --libdir=lib shared zlib-dynamic no-docs
make
sed -i '/INSTALL_LIBS/s/libcrypto.a libssl.a//' Makefile
make MANSUFFIX=ssl install_sw install_ssldirs
