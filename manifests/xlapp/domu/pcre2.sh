# PCRE2 10.46, for nginx's rewrite and location regexes (domu-web).
mkdir src && tar -xf "$SOURCES/pcre2-10.46.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-static --enable-jit
make
make install
