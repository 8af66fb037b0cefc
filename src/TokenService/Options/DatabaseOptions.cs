using Microsoft.Extensions.Options;

namespace TokenService.Options;

/// <summary>Which database the service stores everything in (section <c>Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>The name under <c>ConnectionStrings</c>.</summary>
    public const string ConnectionStringName = "TokenService";

    /// <summary>The embedded default: a file beside the working directory.</summary>
    public const string DefaultSqliteConnection = "Data Source=tokenservice.db";

    /// <summary>
    /// <c>Sqlite</c> (embedded default), <c>SqlServer</c> or <c>PostgreSql</c> (server databases, each with its own
    /// <c>ConnectionStrings:TokenService</c>).
    /// </summary>
    public DatabaseProvider Provider { get; private set; } = DatabaseProvider.Sqlite;

    /// <summary><c>Database:Provider</c> as written, for the validator's message.</summary>
    internal string? ProviderSetting { get; private set; }

    /// <summary>
    /// Reads the section by hand, not with the binder: the binder's message for an unknown provider does not list the
    /// choices (<see cref="DatabaseOptionsValidator"/> does), and the connection string lives outside the section.
    /// </summary>
    internal void ReadFrom(IConfiguration configuration)
    {
        ProviderSetting = configuration[DatabaseOptionsValidator.ProviderKey];
        Provider = DatabaseOptionsValidator.TryParseProvider(ProviderSetting, out var provider) ? provider : DatabaseProvider.Sqlite;
        ConnectionString = configuration.GetConnectionString(ConnectionStringName) is { } value && !string.IsNullOrWhiteSpace(value)
            ? value
            : Provider == DatabaseProvider.Sqlite ? DefaultSqliteConnection : "";
        AutoMigrate = configuration.GetValue<bool?>($"{Section}:{nameof(AutoMigrate)}");
    }

    /// <summary>
    /// Apply pending migrations when the service starts. Unset means: yes for the embedded SQLite file, no for
    /// the server databases, where a DBA applies the idempotent script or runs <c>TokenService migrate</c> once per release.
    /// </summary>
    public bool? AutoMigrate { get; set; }

    /// <summary>
    /// <c>ConnectionStrings:TokenService</c>, with the embedded file's default for SQLite (never for a server database).
    /// Not bound from this section: set by <see cref="OptionsExtensions"/> from the connection strings, where .NET
    /// tools look for it.
    /// </summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Whether to migrate at start, with the default for the provider applied.</summary>
    public bool ShouldAutoMigrate => AutoMigrate ?? Provider == DatabaseProvider.Sqlite;
}

/// <summary>
/// The provider and its connection string, refused with a message naming the setting when they cannot work: a server
/// database never falls back to the embedded file's connection string, and a malformed string stops the start
/// instead of failing every connection.
/// </summary>
internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public const string ProviderKey = DatabaseOptions.Section + ":" + nameof(DatabaseOptions.Provider);

    public const string ConnectionStringKey = "ConnectionStrings:" + DatabaseOptions.ConnectionStringName;

    /// <summary>The provider a setting names, when it is one of the names (any case).</summary>
    public static bool TryParseProvider(string? value, out DatabaseProvider provider)
    {
        provider = DatabaseProvider.Sqlite;
        return value is not null && IsProviderName(value) && Enum.TryParse(value.Trim(), ignoreCase: true, out provider);
    }

    private static bool IsProviderName(string value) =>
        Enum.GetNames<DatabaseProvider>().Contains(value.Trim(), StringComparer.OrdinalIgnoreCase);

    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Names only: Enum.TryParse also takes "1" for SqlServer, which says nothing to the next reader of the settings.
        if (options.ProviderSetting is { } raw && !string.IsNullOrWhiteSpace(raw) && !IsProviderName(raw))
        {
            return ValidateOptionsResult.Fail(
                $"{ProviderKey} must be one of {string.Join(", ", Enum.GetNames<DatabaseProvider>())} (it is '{raw}').");
        }

        if (options.Provider == DatabaseProvider.Sqlite)
        {
            return ValidateOptionsResult.Success;
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                $"{ConnectionStringKey} is required when {ProviderKey} is {options.Provider} (ConnectionStrings__TokenService=...).");
        }

        try
        {
            _ = options.Provider == DatabaseProvider.SqlServer
                ? new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(options.ConnectionString).ConnectionString
                : new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString).ConnectionString;
            return ValidateOptionsResult.Success;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            // The value is not repeated: it holds the database password.
            return ValidateOptionsResult.Fail(
                $"{ConnectionStringKey} is not a valid {options.Provider} connection string: check its keywords and quoting.");
        }
    }
}

/// <summary>Supported database engines.</summary>
public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    PostgreSql,
}
