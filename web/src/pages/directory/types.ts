// The directory's organizations and accounts as /organizations and /accounts answer them.

export type Status = 'enabled' | 'disabled';
export type Gender = 'unspecified' | 'male' | 'female';

export interface Organization {
  id: string;
  externalId: string | null;
  name: string;
  parentId: string | null;
  order: number;
  code: string | null;
  status: Status;
  version: number;
}

export interface Account {
  id: string;
  externalId: string | null;
  username: string;
  displayName: string;
  mobile: string | null;
  email: string | null;
  telephone: string | null;
  title: string | null;
  gender: Gender;
  employeeNumber: string | null;
  managerId: string | null;
  organizationIds: string[];
  primaryOrganizationId: string;
  status: Status;
  attributes: Record<string, unknown>;
  version: number;
  createdAt: string;
  updatedAt: string;
}
