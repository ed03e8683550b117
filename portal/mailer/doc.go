// Package mailer sends the hub's e-mail: it reads the SMTP server's URL
// (HUB_SMTP_URL), composes each queued db.Mail as a plain-text and HTML
// message with go-mail, and runs the worker that drains db's mail queue.
//
// The portal renders a message in its recipient's language and queues it
// in the same transaction as what causes it (a reset request, a
// registration); cmd/hub starts the Worker, which sends it. It lives under
// portal because the portal is where people have accounts and every mail
// today is about one; it imports only db, so federation's notifications can
// be queued the same way later.
package mailer
