sleep 300
