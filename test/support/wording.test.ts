import { describe, expect, it } from 'vitest';
import { wordingFaults } from './wording.js';

describe('wordingFaults', () => {
  it('finds doubled words and a repeated "today"', () => {
    expect(wordingFaults('app_user, app_user can write rows into any organization')).toEqual(['"app_user, app_user"']);
    expect(wordingFaults('the the table')).toEqual(['"the the"']);
    expect(wordingFaults('today nobody reaches it; today it is safe')).toEqual(['"today" twice']);
  });

  it('leaves SQL in parentheses and quotes, and distinct words, alone', () => {
    expect(wordingFaults('USING (organization_id = organization_id) is always true')).toEqual([]);
    expect(wordingFaults("policy \"tenant\" on public.tenant reads current_setting('a.a')")).toEqual([]);
    expect(wordingFaults('public.projects, public.projects_archive and projects')).toEqual([]);
  });
});
