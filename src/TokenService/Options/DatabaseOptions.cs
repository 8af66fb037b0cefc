using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>Which database the service stores everything in (section <c>Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>Sqlite</c> (embedded default) or <c>SqlServer</c> (production, with <c>ConnectionStrings:TokenService</c>).</summary>
    [EnumDataType(typeof(DatabaseProvider))]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
}

/// <summary>Supported database engines.</summary>
public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
}
