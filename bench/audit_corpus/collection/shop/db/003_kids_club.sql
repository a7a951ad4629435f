-- Kids' reading club sign-ups from the summer campaign.
CREATE TABLE kids_club_members (
    member_id   bigserial PRIMARY KEY,
    customer_id uuid REFERENCES customers (customer_id),
    child_first_name text NOT NULL,
    child_birthday date NOT NULL,
    school_name text,
    favourite_genre varchar(30),
    allergies   text,
    joined_at   timestamptz DEFAULT now()
);
