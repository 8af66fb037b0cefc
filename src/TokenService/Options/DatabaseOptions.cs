using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>Which database the service stores everything in (section <c>Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>
    /// <c>Sqlite</c> (embedded default), <c>SqlServer</c> or <c>PostgreSql</c> (server databases, each with its own
    /// <c>ConnectionStrings:TokenService</c>).
    /// </summary>
    [EnumDataType(typeof(DatabaseProvider))]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// Apply pending migrations when the service starts. Unset means: yes for the embedded SQLite file, no for
    /// the server databases, where a DBA applies the idempotent script or runs <c>TokenService migrate</c> once per release.
    /// </summary>
    public bool? AutoMigrate { get; set; }

    /// <summary>Whether to migrate at start, with the default for the provider applied.</summary>
    public bool ShouldAutoMigrate => AutoMigrate ?? Provider == DatabaseProvider.Sqlite;
}

/// <summary>Supported database engines.</summary>
public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    PostgreSql,
}
