# PostgreSQL 15 (domu-web): server and client, OpenSSL, readline, zlib;
# no ICU (C and UTF-8 collations only). The cluster is created at first
# boot by init.d/postgresql, never at build time.
mkdir src && tar -xf "$SOURCES/postgresql-15.18.tar.bz2" -C src --strip-components=1
cd src
grep -q '^postgres:' /etc/group || groupadd -g 41 postgres
grep -q '^postgres:' /etc/passwd || useradd -c 'PostgreSQL' -d /srv/pgsql -g postgres -s /bin/bash -u 41 postgres
./configure --prefix=/usr \
  --sysconfdir=/etc/postgresql \
  --with-openssl \
  --without-icu \
  --docdir=/usr/share/doc/postgresql-15.18
make
make install
install -d -o postgres -g postgres -m700 /srv/pgsql
install -m755 "$SOURCES/postgresql" /etc/rc.d/init.d/postgresql
for rl in 3 4 5; do ln -sfn ../init.d/postgresql "/etc/rc.d/rc$rl.d/S50postgresql"; done
for rl in 0 1 6; do ln -sfn ../init.d/postgresql "/etc/rc.d/rc$rl.d/K30postgresql"; done
