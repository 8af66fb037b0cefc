using System.Data.Common;
using System.Net.Sockets;

namespace TokenService.Data;

/// <summary>How the service tells a database that is away from a fault of the request or of the code.</summary>
public static class DatabaseFailures
{
    /// <summary>
    /// Whether a failure means "the database is not there right now" — the driver could not reach it, lost the
    /// connection, or the server is starting, stopping or refusing logins — rather than a fault of the request or of
    /// the code. Only drivers' own errors, by their codes, qualify: a timeout or a socket error counts only as the
    /// cause of a driver's error, and a slow query or a misused connection is a bug, answered 500 and logged.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case Npgsql.NpgsqlOperationInProgressException:
                    return false;
                case Npgsql.PostgresException { SqlState: var state }
                    when state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal) ||
                         state is "53300" or "3D000" or "28P01" or "28000":
                case Npgsql.NpgsqlException { InnerException: SocketException or IOException or TimeoutException } and not Npgsql.PostgresException:
                case Npgsql.NpgsqlException { Message: var message } and not Npgsql.PostgresException
                    when message.StartsWith("Exception while", StringComparison.Ordinal) || message.StartsWith("Failed to connect", StringComparison.Ordinal):
                case Microsoft.Data.SqlClient.SqlException { Class: >= 20 }:
                case Microsoft.Data.SqlClient.SqlException { Number: 2 or 53 or 40 or 233 or 4060 or 18456 or 10053 or 10054 or 10060 or 10061 or 40613 }:
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 14 }:
                    return true;
            }
        }

        return false;
    }

    /// <summary>The failure in one line: its type and message (neither carries the connection string's password).</summary>
    public static string Describe(Exception exception)
    {
        var root = exception;
        while (root.InnerException is not null && root is not DbException)
        {
            root = root.InnerException;
        }

        return $"{root.GetType().Name}: {root.Message.ReplaceLineEndings(" ")}";
    }
}
