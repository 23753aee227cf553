# Postfix 3.10, the SMTP server (domu-mail): OpenSSL for TLS, no Berkeley
# DB (lookup tables are texthash:/inline: or cdb-free), Dovecot SASL.
mkdir src && tar -xf "$SOURCES/postfix-3.10.13.tar.gz" -C src --strip-components=1
cd src
grep -q '^postfix:' /etc/group || groupadd -g 32 postfix
grep -q '^postdrop:' /etc/group || groupadd -g 33 postdrop
grep -q '^postfix:' /etc/passwd || useradd -c 'Postfix' -d /var/spool/postfix -g postfix -s /usr/bin/false -u 32 postfix
chown postfix:postfix /var/mail
make CCARGS="-DNO_DB -DNO_NIS -DNO_PCRE -DUSE_TLS -DUSE_SASL_AUTH -DDEF_SERVER_SASL_TYPE=\\\"dovecot\\\" -DDEF_DB_TYPE=\\\"texthash\\\" -DDEF_CACHE_DB_TYPE=\\\"texthash\\\" -I/usr/include" \
  AUXLIBS="-lssl -lcrypto" \
  shared=yes pie=yes \
  makefiles
make
sh postfix-install -non-interactive \
  daemon_directory=/usr/lib/postfix \
  manpage_directory=/usr/share/man \
  html_directory=no \
  readme_directory=no
postconf -e 'alias_maps = texthash:/etc/aliases' 'alias_database ='
install -m755 "$SOURCES/postfix" /etc/rc.d/init.d/postfix
for rl in 3 4 5; do ln -sfn ../init.d/postfix "/etc/rc.d/rc$rl.d/S60postfix"; done
for rl in 0 1 6; do ln -sfn ../init.d/postfix "/etc/rc.d/rc$rl.d/K20postfix"; done
