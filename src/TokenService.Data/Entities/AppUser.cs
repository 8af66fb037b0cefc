namespace TokenService.Data.Entities;

/// <summary>A user of one application, who may read itself and revoke its own tokens.</summary>
public sealed class AppUser : IUserAccount
{
    public Guid Id { get; set; }

    public Guid ApplicationId { get; set; }

    public Application Application { get; set; } = null!;

    /// <summary>Unique within the application, stored lower-case.</summary>
    public required string Username { get; set; }

    /// <summary>Optional; unique within the application when present, stored lower-case.</summary>
    public string? Email { get; set; }

    public string? Name { get; set; }

    /// <summary>Salted slow hash (ASP.NET Core Identity's PBKDF2 format); never the password.</summary>
    public required string PasswordHash { get; set; }

    /// <summary>A deactivated user cannot obtain tokens; deactivation revokes the ones it has.</summary>
    public bool Activated { get; set; } = true;

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Modified { get; set; }

    void IUserAccount.ChangeEmail(string email) => Email = email;
}
