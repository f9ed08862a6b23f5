/** The characters of a Shoal name (node ids, event types, handler names), as error messages say them. */
export const NAME_CHARACTERS = 'letters, digits and . _ : -';

/** A pattern for Shoal names of 1 to `maxLength` characters. */
export function namePattern(maxLength: number): RegExp {
  return new RegExp(`^[A-Za-z0-9._:-]{1,${maxLength}}$`);
}
