package dev.panicwatch.notify;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Optional;
import java.util.Properties;

import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/** Mail over SMTP through Jakarta Mail (Angus): one plain-text mail per advice to every recipient of the target. */
final class MailTarget implements Target {

    private final TargetSettings settings;
    private final TargetSettings.MailSettings mail;
    private final Session session;

    MailTarget(TargetSettings settings) {
        this.settings = settings;
        this.mail = settings.mail().orElseThrow();
        Properties props = new Properties();
        props.put("mail.smtp.host", mail.host());
        props.put("mail.smtp.port", Integer.toString(mail.port()));
        String timeout = Long.toString(settings.retry().requestTimeout().toMillis());
        props.put("mail.smtp.connectiontimeout", timeout);
        props.put("mail.smtp.timeout", timeout);
        props.put("mail.smtp.writetimeout", timeout);
        switch (mail.security()) {
            case NONE -> { }
            case STARTTLS -> {
                props.put("mail.smtp.starttls.enable", "true");
                props.put("mail.smtp.starttls.required", "true");
                props.put("mail.smtp.ssl.checkserveridentity", "true");
            }
            case TLS -> {
                props.put("mail.smtp.ssl.enable", "true");
                props.put("mail.smtp.ssl.checkserveridentity", "true");
            }
        }
        Authenticator auth = null;
        if (mail.username().isPresent()) {
            props.put("mail.smtp.auth", "true");
            String user = mail.username().get();
            String password = mail.password().orElse("");
            auth = new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return new PasswordAuthentication(user, password);
                }
            };
        }
        this.session = Session.getInstance(props, auth);
    }

    @Override
    public Delivery send(AdviceMessage message) {
        try {
            MimeMessage mime = new MimeMessage(session);
            mime.setFrom(new InternetAddress(mail.from(), true));
            for (String to : mail.to()) {
                mime.addRecipient(Message.RecipientType.TO, new InternetAddress(to, true));
            }
            mime.setSubject(settings.template().title(message), StandardCharsets.UTF_8.name());
            mime.setText(settings.template().body(message), StandardCharsets.UTF_8.name());
            mime.setSentDate(new Date());
            mime.setHeader("X-Panicwatch-Remediation-Id", message.value("remediationId"));
            Transport.send(mime);
            return new Delivery.Taken();
        } catch (AddressException e) {
            return new Delivery.Refused("bad address: " + e.getMessage());
        } catch (SendFailedException e) {
            // The server refused recipients or the sender outright; a temporary refusal (4xx) shows as a
            // MessagingException of its own below.
            return e.getInvalidAddresses() != null && e.getInvalidAddresses().length > 0
                    ? new Delivery.Refused("SMTP server refused: " + e.getMessage())
                    : new Delivery.TryAgain("SMTP server: " + e.getMessage(), Optional.empty());
        } catch (MessagingException e) {
            return new Delivery.TryAgain("SMTP " + mail.host() + ":" + mail.port() + ": " + e.getMessage(),
                    Optional.empty());
        }
    }
}
