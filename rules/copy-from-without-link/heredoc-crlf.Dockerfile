# fixture: unsafe
FROM alpine:3.20 AS conf
COPY <<EOF /etc/app.conf
name=app
