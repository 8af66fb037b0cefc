namespace TokenService.Data;

/// <summary>Column sizes, chosen on purpose so that SQL Server indexes stay narrow.</summary>
public static class Limits
{
    /// <summary>Organization, application and resource-server names (the contract allows 64 characters).</summary>
    public const int NameLength = 64;

    /// <summary>Client ids: a kind prefix plus 22 base64url characters, with room to spare.</summary>
    public const int ClientIdLength = 64;
}
