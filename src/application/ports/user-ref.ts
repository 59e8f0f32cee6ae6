/** Who caused an event: stamped in every event's metadata and shown in the request view. */
export interface UserRef {
  id: string;
  username: string;
  person_name: string | null;
  email: string | null;
  /** The user's organisation, stamped on every event a user causes (absent for the service itself). */
  organisation?: string;
}
