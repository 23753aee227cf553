# Dovecot 2.4, the IMAP server (domu-mail), with OpenSSL; users from
# /etc/passwd (shadow), mail in ~/Maildir.
mkdir src && tar -xf "$SOURCES/dovecot-2.4.1+dfsg1.tar.gz" -C src --strip-components=1
cd src
grep -q '^dovecot:' /etc/group || groupadd -g 42 dovecot
grep -q '^dovenull:' /etc/group || groupadd -g 43 dovenull
grep -q '^dovecot:' /etc/passwd || useradd -c 'Dovecot unprivileged user' -d /dev/null -u 42 -g dovecot -s /usr/bin/false dovecot
grep -q '^dovenull:' /etc/passwd || useradd -c 'Dovecot login user' -d /dev/null -u 43 -g dovenull -s /usr/bin/false dovenull
./configure --prefix=/usr \
  --sysconfdir=/etc \
  --localstatedir=/var \
  --with-rundir=/run/dovecot \
  --with-ssl=openssl \
  --with-shadow \
  --without-systemd \
  --disable-static
make
make install
install -d /etc/dovecot
cat > /etc/dovecot/dovecot.conf <<'EOC'
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
protocols = imap
mail_driver = maildir
mail_path = ~/Maildir
passdb shadow {
  driver = shadow
}
userdb passwd {
  driver = passwd
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOC
install -m755 "$SOURCES/dovecot" /etc/rc.d/init.d/dovecot
for rl in 3 4 5; do ln -sfn ../init.d/dovecot "/etc/rc.d/rc$rl.d/S61dovecot"; done
for rl in 0 1 6; do ln -sfn ../init.d/dovecot "/etc/rc.d/rc$rl.d/K19dovecot"; done
