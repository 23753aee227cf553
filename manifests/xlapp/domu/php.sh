# PHP 8.2 (domu-web) as PHP-FPM only, with PDO PostgreSQL, OpenSSL, zlib;
# no libxml2, SQLite or mbstring (not in XLAPP; add when a site needs them).
mkdir src && tar -xf "$SOURCES/php-8.2.32.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr \
  --sysconfdir=/etc \
  --localstatedir=/var \
  --with-config-file-path=/etc \
  --disable-cli \
  --disable-cgi \
  --enable-fpm \
  --with-fpm-user=nginx \
  --with-fpm-group=nginx \
  --disable-phpdbg \
  --without-libxml \
  --disable-dom --disable-simplexml --disable-xml --disable-xmlreader --disable-xmlwriter \
  --without-sqlite3 --without-pdo-sqlite \
  --without-iconv \
  --with-openssl \
  --with-zlib \
  --with-pgsql \
  --with-pdo-pgsql
make
make install
install -m644 php.ini-production /etc/php.ini
cat > /etc/php-fpm.conf <<'EOC'
[global]
pid = /run/php-fpm.pid
error_log = /var/log/php-fpm.log
[www]
user = nginx
group = nginx
listen = /run/php-fpm.sock
listen.owner = nginx
listen.group = nginx
pm = ondemand
pm.max_children = 8
EOC
rm -f /etc/php-fpm.d/www.conf.default
install -m755 "$SOURCES/php-fpm" /etc/rc.d/init.d/php-fpm
for rl in 3 4 5; do ln -sfn ../init.d/php-fpm "/etc/rc.d/rc$rl.d/S65php-fpm"; done
for rl in 0 1 6; do ln -sfn ../init.d/php-fpm "/etc/rc.d/rc$rl.d/K15php-fpm"; done
