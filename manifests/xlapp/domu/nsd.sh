# NSD 4.12, an authoritative-only DNS server (domu-dns). Built with its
# own mini event loop (no libevent) and OpenSSL for nsd-control.
mkdir src && tar -xf "$SOURCES/nsd-4.12.0.tar.gz" -C src --strip-components=1
cd src
grep -q '^nsd:' /etc/group || groupadd -g 53 nsd
grep -q '^nsd:' /etc/passwd || useradd -c 'NSD' -d /var/lib/nsd -g nsd -s /usr/bin/false -u 53 nsd
./configure --prefix=/usr \
  --sysconfdir=/etc \
  --localstatedir=/var \
  --with-pidfile=/run/nsd.pid \
  --with-user=nsd \
  --with-libevent=no \
  --with-ssl=/usr
make
make install
install -d -o nsd -g nsd /var/lib/nsd /etc/nsd/zones
cat > /etc/nsd/nsd.conf <<'EOC'
# /etc/nsd/nsd.conf: add zones below (zonefile: relative to zonesdir).
server:
  server-count: 1
  ip-address: 0.0.0.0
  ip-address: ::0
  zonesdir: "/etc/nsd/zones"
  username: nsd
  pidfile: "/run/nsd.pid"
  database: ""
remote-control:
  control-enable: yes
  control-interface: /run/nsd.ctl
EOC
install -m755 "$SOURCES/nsd" /etc/rc.d/init.d/nsd
for rl in 3 4 5; do ln -sfn ../init.d/nsd "/etc/rc.d/rc$rl.d/S60nsd"; done
for rl in 0 1 6; do ln -sfn ../init.d/nsd "/etc/rc.d/rc$rl.d/K20nsd"; done
