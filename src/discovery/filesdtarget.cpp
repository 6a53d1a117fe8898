// SPDX-License-Identifier: MIT
#include "endpoint.h"

#include <promqt/discovery.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QTimer>

Q_LOGGING_CATEGORY(lcFileSd, "promqt.discovery.filesd")

namespace promqt {

class FileSdTargetPrivate : public QObject {
public:
    explicit FileSdTargetPrivate(FileSdTarget* qq) : q(qq), source(this) {
        syncTimer.setSingleShot(true);
        syncTimer.setInterval(0);
        connect(&syncTimer, &QTimer::timeout, this, [this] { q->sync(); });
        connect(&source, &detail::EndpointSource::changed, this, [this] { syncTimer.start(); });
    }

    FileSdTarget* q;
    detail::EndpointSource source;
    QString directory;
    QString fileName;
    QMap<QString, QString> labels;
    bool removeOnStop = true;
    QString writtenPath; ///< the file we wrote and have not deleted yet
    QByteArray writtenContents;
    bool writtenFlag = false;
    QTimer syncTimer;

    QString effectiveFileName() const {
        if (!fileName.isEmpty())
            return fileName;
        QString app = QCoreApplication::applicationName();
        if (app.isEmpty())
            app = QStringLiteral("promqt");
        // Keep the name safe for any file system and for Prometheus' `files:` globs.
        for (QChar& c : app)
            if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != QLatin1Char('-') && c != QLatin1Char('_') &&
                c != QLatin1Char('.'))
                c = QLatin1Char('_');
        return app + QLatin1Char('-') + QString::number(QCoreApplication::applicationPid()) +
               QLatin1String(".json");
    }

    QString path() const {
        if (directory.isEmpty())
            return {};
        return QDir(directory).filePath(effectiveFileName());
    }

    QByteArray contents(QString* error = nullptr) const {
        const auto e = source.current();
        if (!e)
            return {};
        QJsonObject labelObj;
        if (e->path != QLatin1String("/metrics"))
            labelObj.insert(QStringLiteral("__metrics_path__"), e->path);
        if (e->scheme != QLatin1String("http"))
            labelObj.insert(QStringLiteral("__scheme__"), e->scheme);
        for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
            if (!detail::isValidLabelName(it.key())) {
                if (error)
                    *error = QStringLiteral("invalid label name \"%1\"").arg(it.key());
                return {};
            }
            labelObj.insert(it.key(), it.value());
        }
        const QJsonObject group{
            {QStringLiteral("targets"), QJsonArray{e->hostPort()}},
            {QStringLiteral("labels"), labelObj},
        };
        return QJsonDocument(QJsonArray{group}).toJson(QJsonDocument::Indented);
    }

    void setWritten(bool on) {
        if (writtenFlag == on)
            return;
        writtenFlag = on;
        emit q->writtenChanged(on);
    }

    /// Deletes the file we wrote. Returns false when it exists and cannot be deleted.
    bool removeFile(bool emitSignals) {
        if (writtenPath.isEmpty())
            return true;
        const QString p = writtenPath;
        bool ok = true;
        if (QFile::exists(p) && !QFile::remove(p)) {
            ok = false;
            qCWarning(lcFileSd).noquote() << "cannot delete" << p;
        }
        writtenPath.clear();
        writtenContents.clear();
        if (!emitSignals) {
            writtenFlag = false;
            return ok;
        }
        const QPointer<FileSdTarget> guard(q);
        setWritten(false);
        if (guard)
            emit q->removed(p);
        return ok;
    }

    void fail(const QString& message) {
        qCWarning(lcFileSd).noquote() << message;
        emit q->errorOccurred(message);
    }
};

FileSdTarget::FileSdTarget(const QString& directory, QObject* parent)
    : QObject(parent), d(std::make_unique<FileSdTargetPrivate>(this)) {
    d->directory = directory;
}

FileSdTarget::~FileSdTarget() {
    d->syncTimer.stop();
    if (d->removeOnStop)
        d->removeFile(false);
}

void FileSdTarget::setServer(QObject* server) {
    if (!d->source.setServer(server))
        qCWarning(lcFileSd) << "FileSdTarget::setServer:" << server
                            << "lacks the properties listening, serverPort and url";
    emit configurationChanged();
}

QObject* FileSdTarget::server() const { return d->source.server(); }

void FileSdTarget::setService(const QString& address, quint16 port, const QString& scheme, const QString& path) {
    detail::Endpoint e;
    e.host = address;
    e.port = port;
    e.scheme = scheme;
    e.path = path;
    d->source.setFixed(e);
    emit configurationChanged();
}

QString FileSdTarget::directory() const { return d->directory; }
void FileSdTarget::setDirectory(const QString& directory) {
    d->directory = directory;
    d->syncTimer.start();
    emit configurationChanged();
}

QString FileSdTarget::fileName() const { return d->effectiveFileName(); }
void FileSdTarget::setFileName(const QString& fileName) {
    d->fileName = fileName;
    d->syncTimer.start();
    emit configurationChanged();
}

QString FileSdTarget::filePath() const { return d->path(); }

QMap<QString, QString> FileSdTarget::labels() const { return d->labels; }
void FileSdTarget::setLabels(const QMap<QString, QString>& labels) {
    d->labels = labels;
    d->syncTimer.start();
    emit configurationChanged();
}

QString FileSdTarget::advertiseAddress() const { return d->source.advertiseAddress(); }
void FileSdTarget::setAdvertiseAddress(const QString& address) {
    d->source.setAdvertiseAddress(address);
    emit configurationChanged();
}

bool FileSdTarget::removeOnStop() const { return d->removeOnStop; }
void FileSdTarget::setRemoveOnStop(bool on) { d->removeOnStop = on; }

bool FileSdTarget::isWritten() const { return d->writtenFlag; }

QByteArray FileSdTarget::contents() const { return d->contents(); }

bool FileSdTarget::sync() {
    d->syncTimer.stop();
    QString error;
    const QByteArray contents = d->contents(&error);
    if (!error.isEmpty()) {
        d->fail(QStringLiteral("file_sd target not written: %1").arg(error));
        return false;
    }
    if (contents.isEmpty()) {
        // No endpoint (server stopped, destroyed or detached).
        if (!d->removeOnStop)
            return true;
        return d->removeFile(true);
    }
    const QString path = d->path();
    if (path.isEmpty()) {
        d->fail(QStringLiteral("file_sd target not written: no directory set"));
        return false;
    }
    if (!d->writtenPath.isEmpty() && d->writtenPath != path)
        d->removeFile(true); // the directory or file name changed: the old file goes
    if (path == d->writtenPath && contents == d->writtenContents && QFile::exists(path))
        return true;

    if (!QDir().mkpath(d->directory)) {
        d->fail(QStringLiteral("cannot create directory %1").arg(d->directory));
        return false;
    }
    // QSaveFile writes "<name>.XXXXXX" beside the target and renames it over the target on
    // commit(): Prometheus, which watches the directory, sees either the old or the new file.
    // The temporary name does not end in .json, so `*.json` globs never pick it up.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size() || !file.commit()) {
        d->fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    d->writtenPath = path;
    d->writtenContents = contents;
    const QPointer<FileSdTarget> guard(this);
    d->setWritten(true);
    if (guard)
        emit written(path);
    return true;
}

void FileSdTarget::remove() {
    d->syncTimer.stop();
    d->removeFile(true);
}

} // namespace promqt
