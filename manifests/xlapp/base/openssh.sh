# BLFS 12.3: OpenSSH server and client, privilege separation user sshd,
# root login by key only. Host keys are made at first boot (init.d/sshd).
mkdir src && tar -xf "$SOURCES/openssh-10.0p1.tar.gz" -C src --strip-components=1
cd src
install -v -g sys -m700 -d /var/lib/sshd
grep -q '^sshd:' /etc/group || groupadd -g 50 sshd
grep -q '^sshd:' /etc/passwd || useradd -c 'sshd PrivSep' -d /var/lib/sshd -g sshd -s /usr/bin/false -u 50 sshd
./configure --prefix=/usr \
  --sysconfdir=/etc/ssh \
  --with-privsep-path=/var/lib/sshd \
  --with-default-path=/usr/bin \
  --with-superuser-path=/usr/sbin:/usr/bin \
  --with-pid-dir=/run
make
make install
install -m755 contrib/ssh-copy-id /usr/bin
sed -i 's/^#PermitRootLogin.*/PermitRootLogin prohibit-password/' /etc/ssh/sshd_config
# No host keys in the image: make install may have generated some.
rm -f /etc/ssh/ssh_host_*
install -m755 "$SOURCES/sshd" /etc/rc.d/init.d/sshd
for rl in 3 4 5; do ln -sfn ../init.d/sshd "/etc/rc.d/rc$rl.d/S30sshd"; done
for rl in 0 1 6; do ln -sfn ../init.d/sshd "/etc/rc.d/rc$rl.d/K30sshd"; done
