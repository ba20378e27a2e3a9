#include "CommandLine.h"

#include <QCommandLineParser>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace keystead::app {

int runToken(const QStringList &arguments)
{
    // arguments: program, "token", ACTION, options...
    const QString action = arguments.value(2);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"keystead token create --name NAME [--scope read,write,reveal]\n"
                                     "                                    prints a new API token once, on stdout\n"
                                     "keystead token list                 lists tokens (never their secrets)\n"
                                     "keystead token revoke ID            revokes a token"_s);
    const QCommandLineOption name(u"name"_s, u"Name of the new token."_s, u"NAME"_s);
    const QCommandLineOption scope(u"scope"_s,
                                   u"What the token may do, comma-separated: read, write, reveal (secrets). "
                                   "Default: read,write."_s,
                                   u"SCOPES"_s);
    const QCommandLineOption dataDir(u"data-dir"_s, u"Data folder."_s, u"DIR"_s);
    const QCommandLineOption database(u"database"_s, u"sqlite: (default) or postgresql://user:pass@host:port/db."_s,
                                      u"URL"_s);
    parser.addOptions({name, scope, dataDir, database});
    const QCommandLineOption help = parser.addHelpOption();

    QStringList rest = arguments;
    rest.removeAt(1); // "token"
    if (action == u"create"_s || action == u"list"_s || action == u"revoke"_s)
        rest.removeAt(1);
    if (!parser.parse(rest))
        return usageError(parser.errorText());
    if (parser.isSet(help) || action == u"--help"_s || action == u"-h"_s) {
        std::printf("%s", qPrintable(parser.helpText()));
        return kExitOk;
    }
    if (action != u"create"_s && action != u"list"_s && action != u"revoke"_s)
        return usageError(u"token needs an action: create, list or revoke"_s);
    if (action == u"create"_s && (!parser.isSet(name) || parser.value(name).trimmed().isEmpty()))
        return usageError(u"token create needs --name NAME"_s);
    if (action != u"create"_s && parser.isSet(scope))
        return usageError(u"--scope belongs to token create"_s);
    TokenScopes scopes = kDefaultTokenScopes;
    if (parser.isSet(scope)) {
        Result<TokenScopes> parsed = parseTokenScopes(parser.value(scope));
        if (!parsed)
            return usageError(parsed.error().message);
        scopes = parsed.value();
    }
    if (action == u"revoke"_s && parser.positionalArguments().size() != 1)
        return usageError(u"token revoke needs the token's id"_s);
    if (action != u"revoke"_s && !parser.positionalArguments().isEmpty())
        return usageError(u"unexpected argument \"%1\""_s.arg(parser.positionalArguments().constFirst()));

    Result<std::unique_ptr<Composition>> opened
        = Composition::open(storeLocation(parser.value(dataDir), parser.value(database)));
    if (!opened)
        return failure(opened.error().message);
    TokenService &tokens = *opened.value()->tokens;

    if (action == u"create"_s) {
        Result<NewApiToken> made = tokens.create(parser.value(name), scopes);
        if (!made)
            return made.error().kind == Error::Kind::InvalidInput ? usageError(made.error().message)
                                                                  : failure(made.error().message);
        std::printf("%s\n", qPrintable(made.value().secret));
        std::fprintf(stderr, "keystead: token \"%s\" created (id %s, scopes %s); it is shown only this once\n",
                     qPrintable(made.value().token.name), qPrintable(made.value().token.id),
                     qPrintable(tokenScopeNames(made.value().token.scopes)));
        return kExitOk;
    }
    if (action == u"revoke"_s) {
        if (Status revoked = tokens.revoke(parser.positionalArguments().constFirst()); !revoked)
            return failure(revoked.error().message);
        return kExitOk;
    }
    Result<QList<ApiToken>> all = tokens.list();
    if (!all)
        return failure(all.error().message);
    for (const ApiToken &token : all.value()) {
        std::printf("%s\t%s\t%s\t%s\t%s\n", qPrintable(token.id), qPrintable(token.name),
                    qPrintable(token.createdAt.toString(Qt::ISODate)), token.isActive() ? "active" : "revoked",
                    qPrintable(tokenScopeNames(token.scopes)));
    }
    return kExitOk;
}

} // namespace keystead::app
