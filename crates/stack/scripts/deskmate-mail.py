# deskmate-mail, version 1: sends one e-mail for the DeskMate watchdog. Installed by
# DeskMate Studio beside deskmate-watch, which runs it as
#
#   python3 deskmate-mail.py WATCH_ENV PASSWORD_FILE < MESSAGE
#
# MESSAGE: the subject on the first line, then the body. WATCH_ENV holds ALERT_EMAIL,
# SMTP_HOST, SMTP_PORT, SMTP_USER and SMTP_FROM (no secrets); the password is read from
# PASSWORD_FILE (0600), never from a command line or the environment, and never printed.
# Port 465 is TLS from the start; any other port uses STARTTLS when the server offers it,
# and a password is never sent unencrypted except to this machine itself.
import email.message
import email.utils
import smtplib
import socket
import ssl
import sys


def settings(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep and not key.startswith("#"):
                values[key] = value
    return values


def main():
    conf = settings(sys.argv[1])
    to = conf.get("ALERT_EMAIL", "")
    host = conf.get("SMTP_HOST", "")
    if not to or not host:
        sys.exit("deskmate-mail: no alert e-mail or SMTP server is set")
    port = int(conf.get("SMTP_PORT") or "587")
    user = conf.get("SMTP_USER", "")
    sender = conf.get("SMTP_FROM") or "deskmate@" + socket.getfqdn()
    subject, _, body = sys.stdin.read().partition("\n")

    message = email.message.EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate()
    message["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)

    loopback = host in ("localhost", "127.0.0.1", "::1")
    context = ssl.create_default_context()
    try:
        if port == 465:
            smtp = smtplib.SMTP_SSL(host, port, timeout=30, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=30)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif user and not loopback:
                sys.exit(
                    "deskmate-mail: %s:%d offers no encryption (STARTTLS), so the password "
                    "is not sent; use its TLS port (465 or 587)" % (host, port)
                )
        with smtp:
            if user:
                with open(sys.argv[2], encoding="utf-8") as f:
                    password = f.read().strip()
                smtp.login(user, password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError:
        sys.exit("deskmate-mail: %s refused the SMTP user name or password" % host)
    except (OSError, smtplib.SMTPException) as e:
        # The exception's text names the server and the cause, never the password.
        sys.exit("deskmate-mail: could not send through %s:%d: %s" % (host, port, e))


main()
