namespace TokenService.Data.Entities;

/// <summary>What an admin user and an app user share, so that updating either is written once.</summary>
public interface IUserAccount
{
    Guid Id { get; }

    bool Activated { get; set; }

    string? Name { get; set; }

    string PasswordHash { get; set; }

    DateTimeOffset Modified { get; set; }

    /// <summary>Sets the email, already normalized and checked for uniqueness.</summary>
    void ChangeEmail(string email);
}
