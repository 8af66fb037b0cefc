namespace TokenService.Data;

/// <summary>Column sizes, chosen on purpose so that SQL Server indexes stay narrow.</summary>
public static class Limits
{
    /// <summary>Organization, application and resource-server names (the contract allows 64 characters).</summary>
    public const int NameLength = 64;

    /// <summary>Client ids: a kind prefix plus 22 base64url characters, with room to spare.</summary>
    public const int ClientIdLength = 64;

    /// <summary>User names (Usergrid allows 64 characters).</summary>
    public const int UsernameLength = 64;

    /// <summary>RFC 5321's practical limit.</summary>
    public const int EmailLength = 254;

    /// <summary>Display names.</summary>
    public const int DisplayNameLength = 256;

    /// <summary>ASP.NET Core Identity's V3 hashes are 84 base64 characters; room for a stronger format later.</summary>
    public const int PasswordHashLength = 512;
}
