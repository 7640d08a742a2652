"""The reliability and security fault suite (quality bars R1-R8); see README.md here."""
