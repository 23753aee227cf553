# nginx 1.26 (domu-web): HTTP/1.1, HTTP/2, TLS, FastCGI to PHP-FPM.
mkdir src && tar -xf "$SOURCES/nginx-1.26.3.tar.gz" -C src --strip-components=1
cd src
grep -q '^nginx:' /etc/group || groupadd -g 61 nginx
grep -q '^nginx:' /etc/passwd || useradd -c 'nginx' -d /srv/www -g nginx -s /usr/bin/false -u 61 nginx
./configure --prefix=/usr \
  --conf-path=/etc/nginx/nginx.conf \
  --pid-path=/run/nginx.pid \
  --lock-path=/run/nginx.lock \
  --error-log-path=/var/log/nginx/error.log \
  --http-log-path=/var/log/nginx/access.log \
  --http-client-body-temp-path=/var/lib/nginx/body \
  --http-fastcgi-temp-path=/var/lib/nginx/fastcgi \
  --user=nginx --group=nginx \
  --with-http_ssl_module \
  --with-http_v2_module \
  --without-http_uwsgi_module \
  --without-http_scgi_module \
  --without-http_proxy_module
make
make install
install -d /var/lib/nginx /var/log/nginx /srv/www
cat > /etc/nginx/nginx.conf <<'EOC'
user nginx;
worker_processes auto;
events { worker_connections 1024; }
http {
  include mime.types;
  sendfile on;
  server {
    listen 80;
    root /srv/www;
    index index.php index.html;
    location ~ \.php$ {
      include fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_pass unix:/run/php-fpm.sock;
    }
  }
}
EOC
install -m755 "$SOURCES/nginx" /etc/rc.d/init.d/nginx
for rl in 3 4 5; do ln -sfn ../init.d/nginx "/etc/rc.d/rc$rl.d/S70nginx"; done
for rl in 0 1 6; do ln -sfn ../init.d/nginx "/etc/rc.d/rc$rl.d/K10nginx"; done
